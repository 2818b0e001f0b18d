// Command kube-apiserver is the Kubernetes API server from k8s.io/kubernetes
// (version pinned in tools/versions.env). paddock runs it with etcd as a
// throw-away control plane on loopback (tools/run-apiserver.sh) for
// server-side checks: dry-run apply, admission policies, no nodes.
//
// Same as upstream's cmd/kube-apiserver/apiserver.go. A wrapper is needed
// because k8s.io/kubernetes is not `go install`-able: its go.mod replaces
// every k8s.io/* staging module with ./staging/src/..., which go.mod here
// redirects to the published staging modules at the matching v0.x.y.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
