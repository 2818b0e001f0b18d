// Command kube-scheduler: upstream k8s.io/kubernetes@v1.35.8 kube-scheduler/scheduler.go, verbatim
// (a wrapper module: see ../../go.mod and tools/kube-apiserver/main.go for why).

package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register" // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version" // for version metric registration
	"k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	command := app.NewSchedulerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
