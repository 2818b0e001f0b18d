// Command sentry is Dapr's certificate authority (github.com/dapr/dapr, the
// same module and version as tools/daprd), built unchanged: main calls
// dapr's own cmd/sentry/app.Run, as upstream's cmd/sentry/main.go does.
//
// paddock dev runs it in self-hosted mode so that every local sidecar gets an
// mTLS identity (spiffe://public/ns/<app>-ns/<app>) and the apps' access
// control applies per caller, as in the cluster.
//
// The one addition: upstream sentry has no --version flag, and
// tools/build.sh asks each tool for its version; it prints the version that
// the build stamps into dapr's pkg/buildinfo.
package main

import (
	"fmt"
	"os"

	"github.com/dapr/dapr/cmd/sentry/app"
	"github.com/dapr/dapr/pkg/buildinfo"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(buildinfo.Version())
		return
	}
	app.Run()
}
