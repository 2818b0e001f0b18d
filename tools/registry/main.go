// Command registry is paddock's build of the CNCF distribution registry
// (github.com/distribution/distribution/v3, version pinned in
// tools/versions.env). It runs on loopback so tests can `helm push` /
// `helm pull` the shared chart the way Flux pulls it from Harbor.
//
// Same as upstream's cmd/registry/main.go minus the cloud storage drivers
// (azure, gcs, s3-aws) and the cloudfront middleware: those pull in three
// cloud SDKs that paddock never uses on loopback and that dominate the build
// time and binary size.
package main

import (
	_ "net/http/pprof"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/auth/silly"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/proxy"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/middleware/redirect"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/middleware/rewrite"
)

func main() {
	// As upstream: the two registered subcommands (serve,
	// garbage-collect) exit non-zero themselves on failure.
	_ = registry.RootCmd.Execute()
}
