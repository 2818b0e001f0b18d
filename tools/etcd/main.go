// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 at
// the version the pinned Kubernetes is built against (tools/versions.env). It is
// the storage of paddock's throw-away control plane (tools/run-apiserver.sh).
//
// A wrapper is needed because upstream's server/v3 go.mod carries replace
// directives (../api, ../pkg, ...), which `go install module@version`
// refuses. Outside etcd's repo those replaces are moot: the same versions
// come from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
