// dapr-inject: the Pod the Dapr 1.17.5 sidecar injector makes of a Pod, computed
// by Dapr's own patcher (github.com/dapr/dapr/pkg/injector/patcher) the way
// pkg/injector/service/pod_patch.go drives it. The policy tests compare
// paddock's admission view with its output.
//
// stdin: {"pod": <Pod>, "settings": <InjectorSettings as in admission-view.ts>}
// stdout: the patched Pod (JSON).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	jsonpatch "github.com/evanphx/json-patch/v5"
	corev1 "k8s.io/api/core/v1"

	injectorConsts "github.com/dapr/dapr/pkg/injector/consts"
	"github.com/dapr/dapr/pkg/injector/patcher"
	"github.com/dapr/kit/logger"
)

type settings struct {
	SidecarImage                  string `json:"sidecarImage"`
	ImagePullPolicy               string `json:"imagePullPolicy"`
	SidecarRunAsNonRoot           bool   `json:"sidecarRunAsNonRoot"`
	SidecarReadOnlyRootFilesystem bool   `json:"sidecarReadOnlyRootFilesystem"`
	SidecarDropALLCapabilities    bool   `json:"sidecarDropALLCapabilities"`
	SidecarRunAsUser              *int64 `json:"sidecarRunAsUser"`
	SidecarRunAsGroup             *int64 `json:"sidecarRunAsGroup"`
	ControlPlaneNamespace         string `json:"controlPlaneNamespace"`
	ControlPlaneTrustDomain       string `json:"controlPlaneTrustDomain"`
	EnableK8sDownwardAPIs         bool   `json:"enableK8sDownwardAPIs"`
}

type input struct {
	Pod      json.RawMessage `json:"pod"`
	Settings settings        `json:"settings"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dapr-inject:", err)
		os.Exit(1)
	}
}

func run() error {
	// The patcher logs warnings (skipped volumes, bad quantities); keep stdout for the Pod.
	logger.NewLogger("dapr.injector").SetOutput(os.Stderr)
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		return err
	}
	var pod corev1.Pod
	if err := json.Unmarshal(in.Pod, &pod); err != nil {
		return err
	}
	s := in.Settings

	// As pkg/injector/service/pod_patch.go getPodPatchOperations.
	sidecar := patcher.NewSidecarConfig(&pod)
	sidecar.Mode = injectorConsts.ModeKubernetes
	sidecar.Namespace = pod.Namespace
	sidecar.MTLSEnabled = true
	sidecar.Identity = pod.Namespace + ":" + pod.Spec.ServiceAccountName
	sidecar.ImagePullPolicy = corev1.PullPolicy(s.ImagePullPolicy)
	sidecar.OperatorAddress = "dapr-api." + s.ControlPlaneNamespace + ".svc.cluster.local:443"
	sidecar.SentryAddress = "dapr-sentry." + s.ControlPlaneNamespace + ".svc.cluster.local:443"
	sidecar.RunAsNonRoot = s.SidecarRunAsNonRoot
	sidecar.RunAsUser = s.SidecarRunAsUser
	sidecar.RunAsGroup = s.SidecarRunAsGroup
	sidecar.ReadOnlyRootFilesystem = s.SidecarReadOnlyRootFilesystem
	sidecar.EnableK8sDownwardAPIs = s.EnableK8sDownwardAPIs
	sidecar.SidecarDropALLCapabilities = s.SidecarDropALLCapabilities
	sidecar.ControlPlaneNamespace = s.ControlPlaneNamespace
	sidecar.ControlPlaneTrustDomain = s.ControlPlaneTrustDomain
	sidecar.SentrySPIFFEID = "spiffe://" + s.ControlPlaneTrustDomain + "/ns/" + s.ControlPlaneNamespace + "/dapr-sentry"
	sidecar.DisableTokenVolume = false
	sidecar.KubeClusterDomain = "cluster.local"
	sidecar.SidecarImage = s.SidecarImage
	sidecar.SetFromPodAnnotations()

	if !sidecar.NeedsPatching() {
		_, err = os.Stdout.Write(in.Pod)
		return err
	}
	patch, err := sidecar.GetPatch()
	if err != nil {
		return err
	}
	podJSON, err := json.Marshal(&pod)
	if err != nil {
		return err
	}
	patchJSON, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	decoded, err := jsonpatch.DecodePatch(patchJSON)
	if err != nil {
		return err
	}
	out, err := decoded.Apply(podJSON)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
