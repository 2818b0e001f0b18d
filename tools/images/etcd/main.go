// Command etcd is the etcd server of the live cluster's control plane image
// (registry.k8s.io/etcd:3.6.6-0, built by tools/images/build.sh where no
// registry answers): the version kubeadm v1.35.8 deploys, see go.mod.
//
// A wrapper for the same reason as tools/etcd: upstream's server/v3 go.mod
// carries replace directives, which `go install module@version` refuses.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
