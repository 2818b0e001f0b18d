// paddock-engine renders many releases of one chart in a single process, the way
// `helm template` does, and optionally validates every rendered object strictly
// against JSON schemas the way `kubeconform -strict` does. It exists because
// process start-up of helm and kubeconform dominates `paddock check` on a fleet.
//
// Protocol: one JSON request on stdin, one JSON response on stdout (see types below).
// Exit status is 0 whenever a response was written (per-release problems are in
// the response); 2 when the request itself is unusable.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	release "helm.sh/helm/v4/pkg/release/v1"
	"sigs.k8s.io/yaml"
)

type request struct {
	Chart       string `json:"chart"`
	KubeVersion string `json:"kubeVersion"`
	// Releases to render; each is one `helm template NAME CHART -f …`.
	Releases []releaseRequest `json:"releases"`
	// Manifests to validate as they are (no rendering), e.g. hand-written YAML.
	Manifests []manifestRequest `json:"manifests"`
	// When set, every rendered or given object is validated like `kubeconform -strict`.
	Schema *schemaOptions `json:"schema"`
	// When true, each result also carries its objects as JSON (parsed the way
	// Kubernetes parses YAML, sigs.k8s.io/yaml), with line and template.
	Objects bool `json:"objects"`
	Workers int  `json:"workers"`
	// When set, the requests it holds are judged by validating admission policies (admission.go).
	Admission *admissionRequest `json:"admission"`
}

type releaseRequest struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// One values document, or several applied in order like repeated `-f`.
	ValuesYaml json.RawMessage `json:"valuesYaml"`
	// Name used in error messages for the values ("failed to parse <file>").
	ValuesFile string `json:"valuesFile"`
}

type manifestRequest struct {
	Name     string `json:"name"`
	Manifest string `json:"manifest"`
}

type schemaOptions struct {
	// kubeconform -schema-location values, tried in order.
	Locations []string `json:"locations"`
	// Defaults to true: reject fields the schema does not know.
	Strict *bool `json:"strict"`
	// Kinds skipped (kubeconform -skip).
	SkipKinds []string `json:"skipKinds"`
	// Treat kinds without schema as skipped (kubeconform -ignore-missing-schemas).
	IgnoreMissingSchemas bool `json:"ignoreMissingSchemas"`
}

type response struct {
	Results   []result           `json:"results"`
	Admission *admissionResponse `json:"admission,omitempty"`
}

type result struct {
	Name     string `json:"name"`
	Manifest string `json:"manifest,omitempty"`
	// What `helm template` would have printed after "Error: ".
	Error string `json:"error,omitempty"`
	// Objects that failed schema validation, in kubeconform's `-output json` shape.
	Schema []schemaResult `json:"schema,omitempty"`
	// Objects validated (valid + invalid + errors); absent when no schema was asked.
	Validated *int `json:"validated,omitempty"`
	// The manifest's objects, when asked for.
	Objects []object `json:"objects,omitempty"`
}

type object struct {
	// 1-based line of the object's first field in the manifest.
	Line int `json:"line"`
	// The template that rendered it (helm's "# Source:" comment).
	Source string          `json:"source,omitempty"`
	Object json.RawMessage `json:"object,omitempty"`
	// Set instead of Object when the document is not valid YAML.
	Error string `json:"error,omitempty"`
}

type schemaResult struct {
	Filename         string                      `json:"filename"`
	Kind             string                      `json:"kind"`
	Name             string                      `json:"name"`
	Namespace        string                      `json:"namespace,omitempty"`
	Version          string                      `json:"version"`
	Status           string                      `json:"status"`
	Msg              string                      `json:"msg"`
	ValidationErrors []validator.ValidationError `json:"validationErrors,omitempty"`
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--help" || os.Args[1] == "-h") {
		fmt.Println("usage: paddock-engine < request.json > response.json\nRenders many releases of one chart like `helm template`, optionally validating like `kubeconform -strict`.")
		return
	}
	// Parsing YAML allocates a lot; collecting less often is ~20% faster, and
	// the soft limit keeps memory bounded on big fleets. GOGC/GOMEMLIMIT win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
	if path := os.Getenv("PADDOCK_ENGINE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var req request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fatal(fmt.Errorf("reading the request: %w", err))
	}
	resp, err := run(req)
	if err != nil {
		fatal(err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	if err := out.Encode(resp); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "paddock-engine: %v\n", err)
	os.Exit(2)
}

// trace prints phase timings to stderr when PADDOCK_ENGINE_TRACE is set.
var traceOn = os.Getenv("PADDOCK_ENGINE_TRACE") != ""

func trace(what string, since time.Time) {
	if traceOn {
		fmt.Fprintf(os.Stderr, "paddock-engine: %s %.1f ms\n", what, float64(time.Since(since).Microseconds())/1000)
	}
}

// run answers one request.
func run(req request) (*response, error) {
	start := time.Now()
	defer trace("total", start)
	resp, err := render(req)
	if err != nil || req.Admission == nil {
		return resp, err
	}
	t := time.Now()
	workers := req.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if resp.Admission, err = runAdmission(req.Admission, workers); err != nil {
		return nil, err
	}
	trace(fmt.Sprintf("admission of %d requests", len(req.Admission.Requests)), t)
	return resp, nil
}

// render renders the releases and validates the objects of one request.
func render(req request) (*response, error) {
	start := time.Now()
	var r *renderer
	if len(req.Releases) > 0 {
		var err error
		if r, err = newRenderer(req.Chart, req.KubeVersion); err != nil {
			return nil, err
		}
		trace("load chart", start)
	}
	var v validator.Validator
	if req.Schema != nil {
		var err error
		if v, err = newValidator(*req.Schema, req.KubeVersion); err != nil {
			return nil, err
		}
	}

	n := len(req.Releases) + len(req.Manifests)
	results := make([]result, n)
	workers := req.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}

	// 1. Render every release.
	t := time.Now()
	parallel(n, workers, func(i int) {
		if i < len(req.Releases) {
			rel := req.Releases[i]
			results[i] = result{Name: rel.Name}
			results[i].Manifest, results[i].Error = r.render(rel)
		} else {
			m := req.Manifests[i-len(req.Releases)]
			results[i] = result{Name: m.Name, Manifest: m.Manifest}
		}
	})
	trace(fmt.Sprintf("render %d releases", len(req.Releases)), t)
	if v == nil && !req.Objects {
		return &response{Results: results}, nil
	}

	// 2. Split every manifest into documents, as kubeconform does, and read
	// each once into JSON (for the objects asked for and for the kind).
	t = time.Now()
	docs := make([][]document, n)
	parallel(n, workers, func(i int) {
		if results[i].Error == "" {
			docs[i] = split(results[i].Name, results[i].Manifest)
			if req.Objects {
				results[i].Objects = toObjects(docs[i])
			}
		}
	})
	trace("split and read manifests", t)
	if v == nil {
		return &response{Results: results}, nil
	}
	type job struct{ result, index int }
	var jobs []job
	objects := make([][]resource.Resource, n)
	kinds := make([][]string, n)
	for i := range docs {
		for _, d := range docs[i] {
			if d.kind == "List" {
				for _, sub := range d.res.Resources() {
					objects[i] = append(objects[i], sub)
					kinds[i] = append(kinds[i], "")
				}
				continue
			}
			objects[i] = append(objects[i], d.res)
			kinds[i] = append(kinds[i], d.apiVersion+"/"+d.kind)
		}
		for j := range objects[i] {
			jobs = append(jobs, job{i, j})
		}
	}

	// 3. Compile each kind's schema once, the kinds in parallel: compiling the
	// big schemas (Deployment: 660 kB) is most of a single app's check.
	t = time.Now()
	seen := map[string]bool{}
	var firsts []resource.Resource
	for _, jb := range jobs {
		if k := kinds[jb.result][jb.index]; k != "" && !seen[k] {
			seen[k] = true
			firsts = append(firsts, objects[jb.result][jb.index])
		}
	}
	parallel(len(firsts), workers, func(i int) {
		t := time.Now()
		v.ValidateResource(firsts[i])
		if sig, _ := firsts[i].Signature(); sig != nil {
			trace("  schema "+sig.GroupVersionKind(), t)
		}
	})
	trace(fmt.Sprintf("compile %d schemas", len(firsts)), t)

	// 4. Validate every object.
	t = time.Now()
	verdicts := make([][]validator.Result, n)
	for i := range objects {
		verdicts[i] = make([]validator.Result, len(objects[i]))
	}
	parallel(len(jobs), workers, func(k int) {
		jb := jobs[k]
		verdicts[jb.result][jb.index] = v.ValidateResource(objects[jb.result][jb.index])
	})
	for i := range results {
		if results[i].Error == "" {
			results[i].Schema, results[i].Validated = summarise(results[i].Name, verdicts[i])
		}
	}
	trace(fmt.Sprintf("validate %d objects", len(jobs)), t)
	return &response{Results: results}, nil
}

// renderer holds the chart's files, read once; each release gets its own parsed
// copy because installing mutates the chart's values (dependency processing).
type renderer struct {
	files       []*archive.BufferedFile
	kubeVersion *common.KubeVersion

	schemaOnce sync.Once
	schema     *jsonschema.Schema
}

// valuesSchema is the chart's values.schema.json compiled once, exactly as helm
// compiles it for every render (pkg/chart/common/util.ValidateAgainstSingleSchema);
// nil when the chart has none or it needs more than helm's compiler defaults.
func (r *renderer) valuesSchema(ch *chart.Chart) *jsonschema.Schema {
	r.schemaOnce.Do(func() {
		if len(ch.Schema) == 0 {
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ch.Schema))
		if err != nil {
			return
		}
		c := jsonschema.NewCompiler()
		if c.AddResource("file:///values.schema.json", doc) != nil {
			return
		}
		r.schema, _ = c.Compile("file:///values.schema.json")
	})
	return r.schema
}

// valuesPass says whether helm's values-schema check will pass, using the
// schema compiled once. Only a pass is acted on (helm then skips its own
// check, which recompiles the schema: a quarter of a render); on a failure or
// any doubt helm runs its check itself, so its error message is its own.
func (r *renderer) valuesPass(ch *chart.Chart, vals map[string]interface{}) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	s := r.valuesSchema(ch)
	if s == nil || len(ch.Dependencies()) > 0 || len(ch.Metadata.Dependencies) > 0 {
		return false
	}
	if chartutil.ProcessDependencies(ch, vals) != nil {
		return false
	}
	cv, err := commonutil.CoalesceValues(ch, vals)
	if err != nil {
		return false
	}
	return s.Validate(cv.AsMap()) == nil
}

func newRenderer(dir, kubeVersion string) (*renderer, error) {
	if dir == "" {
		return nil, errors.New("the request names no chart")
	}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	r := &renderer{}
	for _, f := range ch.Raw {
		r.files = append(r.files, &archive.BufferedFile{Name: f.Name, ModTime: f.ModTime, Data: f.Data})
	}
	if kubeVersion != "" {
		kv, err := common.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, fmt.Errorf("invalid kube version '%s': %s", kubeVersion, err)
		}
		r.kubeVersion = kv
	}
	return r, nil
}

// render mirrors `helm template NAME CHART -f values… [--kube-version V] [-n NS]`
// (helm v4 pkg/cmd/template.go): a client-only dry-run install, then the
// manifest followed by the hooks.
func (r *renderer) render(rel releaseRequest) (manifest string, errMsg string) {
	vals, err := r.values(rel)
	if err != nil {
		return "", err.Error()
	}
	ch, err := loader.LoadFiles(r.files)
	if err != nil {
		return "", err.Error()
	}
	if ch.Metadata.Type != "" && ch.Metadata.Type != "application" {
		return "", fmt.Sprintf("%s charts are not installable", ch.Metadata.Type)
	}
	client := action.NewInstall(action.NewConfiguration())
	client.DryRunStrategy = action.DryRunClient
	client.ReleaseName = rel.Name
	client.Namespace = rel.Namespace
	if client.Namespace == "" {
		client.Namespace = "default"
	}
	client.Replace = true
	client.KubeVersion = r.kubeVersion
	client.SkipSchemaValidation = r.valuesPass(ch, vals)
	ri, err := client.RunWithContext(context.Background(), ch, vals)
	if err != nil {
		if ri != nil {
			return "", err.Error() + "\n\nUse --debug flag to render out invalid YAML"
		}
		return "", err.Error()
	}
	var out *release.Release
	switch x := ri.(type) {
	case *release.Release:
		out = x
	case release.Release:
		out = &x
	default:
		return "", fmt.Sprintf("unsupported release type: %T", ri)
	}
	var b bytes.Buffer
	fmt.Fprintln(&b, strings.TrimSpace(out.Manifest))
	for _, h := range out.Hooks {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String(), ""
}

func (r *renderer) values(rel releaseRequest) (map[string]interface{}, error) {
	var docs []string
	if len(rel.ValuesYaml) > 0 && string(rel.ValuesYaml) != "null" {
		var one string
		if err := json.Unmarshal(rel.ValuesYaml, &one); err == nil {
			docs = []string{one}
		} else if err := json.Unmarshal(rel.ValuesYaml, &docs); err != nil {
			return nil, errors.New("valuesYaml must be a string or a list of strings")
		}
	}
	label := rel.ValuesFile
	if label == "" {
		label = rel.Name + " values"
	}
	base := map[string]interface{}{}
	for _, d := range docs {
		m, err := loader.LoadValues(strings.NewReader(d))
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", label, err)
		}
		base = loader.MergeMaps(base, m)
	}
	return base, nil
}

func newValidator(o schemaOptions, kubeVersion string) (validator.Validator, error) {
	strict := true
	if o.Strict != nil {
		strict = *o.Strict
	}
	skip := map[string]struct{}{}
	for _, k := range o.SkipKinds {
		skip[k] = struct{}{}
	}
	kv := kubeVersion
	if kv == "" {
		kv = "master"
	}
	return validator.New(o.Locations, validator.Opts{
		Strict:               strict,
		KubernetesVersion:    kv,
		SkipKinds:            skip,
		IgnoreMissingSchemas: o.IgnoreMissingSchemas,
	})
}

// parallel runs fn(0..n-1) on `workers` goroutines.
func parallel(n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

type document struct {
	res    resource.Resource
	line   int
	source string
	// The document as JSON (nil when empty), or why it is not valid YAML.
	json             []byte
	err              error
	apiVersion, kind string
}

// split cuts a manifest stream into documents with kubeconform's own splitter,
// copying the bytes so they outlive the scanner, and notes where each starts.
func split(name, manifest string) []document {
	var out []document
	consumed := 0
	starts := []int{}
	sc := bufio.NewScanner(strings.NewReader(manifest))
	sc.Buffer(make([]byte, 0, 64*1024), len(manifest)+1024)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := resource.SplitYAMLDocument(data, atEOF)
		if tok != nil {
			starts = append(starts, consumed)
		}
		consumed += adv
		return adv, tok, err
	})
	line := 1
	prev := 0
	for k := 0; sc.Scan(); k++ {
		tok := sc.Bytes()
		start := starts[k]
		line += strings.Count(manifest[prev:start], "\n")
		prev = start
		d := document{res: resource.Resource{Path: name, Bytes: bytes.Clone(tok)}, line: line}
		// The object starts at its first line that is not blank, a comment or "---".
		for i, l := range strings.Split(string(tok), "\n") {
			tl := strings.TrimSpace(l)
			if src, ok := strings.CutPrefix(tl, "# Source: "); ok && d.source == "" {
				d.source = src
			}
			if tl == "" || strings.HasPrefix(tl, "#") || tl == "---" {
				continue
			}
			d.line = line + i
			break
		}
		d.json, d.err = yaml.YAMLToJSON(d.res.Bytes)
		if string(d.json) == "null" {
			d.json = nil
		} else if d.err == nil {
			var head struct{ APIVersion, Kind string }
			_ = json.Unmarshal(d.json, &head)
			d.apiVersion, d.kind = head.APIVersion, head.Kind
		}
		out = append(out, d)
	}
	return out
}

// toObjects converts documents to JSON the way Kubernetes reads YAML; empty
// documents (only comments) are left out.
func toObjects(docs []document) []object {
	var out []object
	for _, d := range docs {
		switch {
		case d.err != nil:
			out = append(out, object{Line: d.line, Source: d.source, Error: d.err.Error()})
		case d.json != nil:
			out = append(out, object{Line: d.line, Source: d.source, Object: d.json})
		}
	}
	return out
}

// summarise reports only the objects that are not valid, like
// `kubeconform -output json` without -verbose.
func summarise(name string, verdicts []validator.Result) ([]schemaResult, *int) {
	var bad []schemaResult
	checked := 0
	for _, res := range verdicts {
		st := ""
		switch res.Status {
		case validator.Valid:
			checked++
			continue
		case validator.Invalid:
			st = "statusInvalid"
		case validator.Error:
			st = "statusError"
		default: // skipped or empty
			continue
		}
		checked++
		msg := ""
		if res.Err != nil {
			msg = res.Err.Error()
		}
		sig, _ := res.Resource.Signature()
		sr := schemaResult{Filename: name, Status: st, Msg: msg, ValidationErrors: res.ValidationErrors}
		if sig != nil {
			sr.Kind, sr.Name, sr.Namespace, sr.Version = sig.Kind, sig.Name, sig.Namespace, sig.Version
		}
		bad = append(bad, sr)
	}
	return bad, &checked
}
