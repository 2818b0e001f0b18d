package main

// The slim component set. Upstream daprd registers every component in
// github.com/dapr/dapr/cmd/daprd/components (one init() per file, behind the
// allcomponents/stablecomponents build tags); paddock only maps its building
// blocks onto the components below, so only these are compiled in.
//
// To add one: find its file in dapr's cmd/daprd/components at the pinned
// version, register the same constructor under the same name(s) here, run
// `go mod tidy` in this folder and rebuild with tools/build.sh daprd.

import (
	bindingshttp "github.com/dapr/components-contrib/bindings/http"
	nrkubernetes "github.com/dapr/components-contrib/nameresolution/kubernetes"
	nrmdns "github.com/dapr/components-contrib/nameresolution/mdns"
	nrsqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	pubsubinmemory "github.com/dapr/components-contrib/pubsub/in-memory"
	pubsubredis "github.com/dapr/components-contrib/pubsub/redis"
	secretvault "github.com/dapr/components-contrib/secretstores/hashicorp/vault"
	secretkubernetes "github.com/dapr/components-contrib/secretstores/kubernetes"
	secretenv "github.com/dapr/components-contrib/secretstores/local/env"
	secretfile "github.com/dapr/components-contrib/secretstores/local/file"
	stateinmemory "github.com/dapr/components-contrib/state/in-memory"
	stateredis "github.com/dapr/components-contrib/state/redis"
	statesqlite "github.com/dapr/components-contrib/state/sqlite"

	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func registerComponents() {
	// state.*
	stateLoader.DefaultRegistry.RegisterComponent(statesqlite.NewSQLiteStateStore, "sqlite", "sqlite3")
	stateLoader.DefaultRegistry.RegisterComponent(stateredis.NewRedisStateStore, "redis")
	stateLoader.DefaultRegistry.RegisterComponent(stateinmemory.NewInMemoryStateStore, "in-memory")

	// secretstores.*
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretfile.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretenv.NewEnvSecretStore, "local.env")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretvault.NewHashiCorpVaultSecretStore, "hashicorp.vault")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretkubernetes.NewKubernetesSecretStore, "kubernetes")

	// pubsub.*
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubinmemory.New, "in-memory")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubredis.NewRedisStreams, "redis")

	// bindings.* (output only: the app calls out, e.g. to a webhook)
	bindingsLoader.DefaultRegistry.RegisterOutputBinding(bindingshttp.NewHTTP, "http")

	// nameresolution.* — sqlite gives local service invocation without
	// multicast (paddock dev); mdns is daprd's self-hosted default;
	// kubernetes is the in-cluster default.
	nrLoader.DefaultRegistry.RegisterComponent(nrsqlite.NewResolver, "sqlite")
	nrLoader.DefaultRegistry.RegisterComponent(nrmdns.NewResolver, "mdns")
	nrLoader.DefaultRegistry.RegisterComponent(nrkubernetes.NewResolver, "kubernetes")
}
