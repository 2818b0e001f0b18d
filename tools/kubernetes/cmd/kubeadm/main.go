// Command kubeadm: upstream k8s.io/kubernetes@v1.35.8 kubeadm/kubeadm.go, verbatim
// (a wrapper module: see ../../go.mod and tools/kube-apiserver/main.go for why).

package main

import (
	"k8s.io/kubernetes/cmd/kubeadm/app"
	utilerrors "k8s.io/kubernetes/cmd/kubeadm/app/util/errors"
)

func main() {
	utilerrors.HandleError(app.Run())
}
