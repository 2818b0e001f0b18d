package main

// Offline validating admission, with the API server's own code: the
// ValidatingAdmissionPolicy dispatcher and CEL environment of k8s.io/apiserver
// (the version the pinned kube-apiserver is built from), fed objects read and
// defaulted the way the API server reads them (k8s.io/kubernetes' scheme), and
// policies accepted or refused the way the API server's registry accepts or
// refuses them. What the request cannot carry — the cluster's RBAC — is reported
// as undecidable, never guessed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	componentversion "k8s.io/component-base/version"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/registry/admissionregistration/resolver"
	"k8s.io/kubernetes/pkg/registry/admissionregistration/validatingadmissionpolicy"
	"k8s.io/kubernetes/pkg/registry/admissionregistration/validatingadmissionpolicybinding"
)

type admissionRequest struct {
	// ValidatingAdmissionPolicies and their bindings, in any version the API server serves.
	Policies []json.RawMessage `json:"policies"`
	// What exists in the cluster: Namespaces, and the objects bindings take as params.
	Cluster []json.RawMessage `json:"cluster"`
	// Kind → resource and scope (the API server's discovery), for requests and paramKinds.
	Kinds []kindInfo `json:"kinds"`
	// The admission requests to judge.
	Requests []reviewRequest `json:"requests"`
}

type kindInfo struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Resource   string `json:"resource"`
	Namespaced bool   `json:"namespaced"`
}

type reviewRequest struct {
	// CREATE (default with an object), UPDATE, DELETE (default without one), CONNECT.
	Operation   string          `json:"operation"`
	Object      json.RawMessage `json:"object"`
	OldObject   json.RawMessage `json:"oldObject"`
	SubResource string          `json:"subResource"`
	UserInfo    *userInfo       `json:"userInfo"`
}

type userInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid"`
	Groups   []string            `json:"groups"`
	Extra    map[string][]string `json:"extra"`
}

type admissionResponse struct {
	// One per policy or binding given, in order; Error is what the API server
	// answers when asked to create it (then it takes no part in admission).
	Policies []policyStatus `json:"policies"`
	Results  []reviewResult `json:"results"`
}

type policyStatus struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Error string `json:"error,omitempty"`
}

type reviewResult struct {
	Decisions []decision `json:"decisions,omitempty"`
	// Audit annotations the request would carry (policy/key and the Audit action's validation_failure).
	Annotations map[string]string `json:"annotations,omitempty"`
	// The request itself cannot be judged (the API server would refuse it before admission).
	Error string `json:"error,omitempty"`
}

type decision struct {
	Policy  string `json:"policy"`
	Binding string `json:"binding,omitempty"`
	// Deny, Warn or Audit; Undecidable when the verdict depends on what only the cluster knows.
	Action string `json:"action"`
	// deny: a validation failed; error: an expression could not be evaluated, or the policy or binding is misconfigured.
	Evaluation string `json:"evaluation"`
	// The decision's own message (after "denied request: ").
	Message string `json:"message"`
	// What the API server says: the refusal's message, or the warning.
	Text   string `json:"text"`
	Reason string `json:"reason,omitempty"`
	Code   int32  `json:"code,omitempty"`
}

var (
	codecs = legacyscheme.Codecs
	scheme = legacyscheme.Scheme
)

// readObject reads JSON the way the API server reads a request body — a
// kind it serves is decoded, defaulted and converted through its internal
// form — and returns it as the map admission's CEL sees
// (runtime.DefaultUnstructuredConverter of the versioned object, what the
// API server hands CEL), converted once instead of once per policy. Custom
// resources stay as written.
func readObject(raw json.RawMessage) (runtime.Object, schema.GroupVersionKind, error) {
	var head metav1.TypeMeta
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	gvk := head.GroupVersionKind()
	if !scheme.Recognizes(gvk) {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return nil, gvk, err
		}
		return u, gvk, nil
	}
	internal, _, err := codecs.UniversalDecoder().Decode(raw, nil, nil)
	if err != nil {
		return nil, gvk, err
	}
	typed, err := scheme.ConvertToVersion(internal, gvk.GroupVersion())
	if err != nil {
		return nil, gvk, err
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return nil, gvk, err
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvk)
	return u, gvk, nil
}

// versioned is an object as the API server's informers hand it out: its own
// version, defaulted (typed for the kinds it serves, as its typed informers).
func versioned(raw json.RawMessage) (runtime.Object, schema.GroupVersionKind, error) {
	var head unstructured.Unstructured
	if err := head.UnmarshalJSON(raw); err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	gvk := head.GroupVersionKind()
	if !scheme.Recognizes(gvk) {
		return &head, gvk, nil
	}
	internal, _, err := codecs.UniversalDecoder().Decode(raw, nil, nil)
	if err != nil {
		return nil, gvk, err
	}
	out, err := scheme.ConvertToVersion(internal, gvk.GroupVersion())
	return out, gvk, err
}

// policyObjects reads the policies and bindings as the API server's registry
// would on create (defaults, validation) and hands them on as v1, the version
// the admission plugin watches.
func policyObjects(raws []json.RawMessage, kinds []kindInfo) ([]*admissionregistrationv1.ValidatingAdmissionPolicy, []*admissionregistrationv1.ValidatingAdmissionPolicyBinding, []policyStatus) {
	var policies []*admissionregistrationv1.ValidatingAdmissionPolicy
	var bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	statuses := make([]policyStatus, len(raws))
	ctx := genericapirequest.WithNamespace(context.Background(), "")
	var policyStrategy rest.RESTCreateStrategy = validatingadmissionpolicy.NewStrategy(nil, nil)
	// Discovery, as far as the request tells it (the binding strategy resolves paramKinds with it).
	resolve := resolver.ResourceResolverFunc(func(gvk schema.GroupVersionKind) (schema.GroupVersionResource, error) {
		for _, k := range kinds {
			if k.APIVersion == gvk.GroupVersion().String() && k.Kind == gvk.Kind {
				return gvk.GroupVersion().WithResource(k.Resource), nil
			}
		}
		return schema.GroupVersionResource{}, &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	})
	var bindingStrategy rest.RESTCreateStrategy = validatingadmissionpolicybinding.NewStrategy(nil, nil, resolve)
	// Each is checked on its own, in parallel as the API server validates concurrent creates (each with a compiler of its own), then kept in order.
	objects := make([]runtime.Object, len(raws))
	parallel(len(raws), goruntime.NumCPU(), func(i int) {
		statuses[i], objects[i] = admitPolicyObject(ctx, raws[i], policyStrategy, bindingStrategy)
	})
	for i, o := range objects {
		switch o := o.(type) {
		case *admissionregistrationv1.ValidatingAdmissionPolicy:
			policies = append(policies, o)
		case *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
			bindings = append(bindings, o)
		case nil:
		default:
			statuses[i].Error = fmt.Sprintf("%s is not a ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding", statuses[i].Kind)
		}
	}
	return policies, bindings, statuses
}

// admitPolicyObject is what the API server answers to the creation of one
// policy or binding, and the object as its admission plugin then sees it (v1).
func admitPolicyObject(ctx context.Context, raw json.RawMessage, policyStrategy, bindingStrategy rest.RESTCreateStrategy) (policyStatus, runtime.Object) {
	var head unstructured.Unstructured
	if err := head.UnmarshalJSON(raw); err != nil {
		return policyStatus{Error: err.Error()}, nil
	}
	status := policyStatus{Kind: head.GetKind(), Name: head.GetName()}
	if gv := head.GroupVersionKind().GroupVersion(); gv != admissionregistrationv1.SchemeGroupVersion {
		// k8s.io/kubernetes pkg/controlplane/instance.go: beta and alpha versions are off by
		// default, so the API server serves these kinds as admissionregistration.k8s.io/v1 only.
		status.Error = fmt.Sprintf("%s is not served by the API server (Kubernetes %s serves %s only as %s; alpha and beta versions are off by default): it answers 404 page not found", gv, kubeMinor(), head.GetKind(), admissionregistrationv1.SchemeGroupVersion)
		return status, nil
	}
	internal, _, err := codecs.UniversalDecoder().Decode(raw, nil, nil)
	if err != nil {
		status.Error = err.Error()
		return status, nil
	}
	strategy := policyStrategy
	if head.GetKind() == "ValidatingAdmissionPolicyBinding" {
		strategy = bindingStrategy
	}
	// What the registry's Create does before BeforeCreate.
	if m, err := meta.Accessor(internal); err == nil {
		rest.FillObjectMetaSystemFields(m)
		if m.GetGenerateName() != "" && m.GetName() == "" {
			m.SetName(strategy.GenerateName(m.GetGenerateName()))
		}
	}
	if err := rest.BeforeCreate(strategy, ctx, internal); err != nil {
		status.Error = err.Error()
		return status, nil
	}
	v1obj, err := scheme.ConvertToVersion(internal, admissionregistrationv1.SchemeGroupVersion)
	if err != nil {
		status.Error = err.Error()
		return status, nil
	}
	return status, v1obj
}

// judge is one batch of admission requests against one policy set and one cluster.
type judge struct {
	hooks      []validating.PolicyHook
	matcher    *matching.Matcher
	namespaces cache.Indexer
	kinds      map[schema.GroupVersionKind]kindInfo
	objects    admission.ObjectInterfaces
}

// staticInformer serves a fixed set of objects, already synced: the cluster
// as the request describes it, where a binding's paramRef looks.
type staticInformer struct {
	cache.SharedIndexInformer
	lister cache.GenericLister
}

func (s staticInformer) Informer() cache.SharedIndexInformer { return s }
func (s staticInformer) Lister() cache.GenericLister         { return s.lister }
func (s staticInformer) HasSynced() bool                     { return true }

var _ informers.GenericInformer = staticInformer{}

func newJudge(req *admissionRequest, policies []*admissionregistrationv1.ValidatingAdmissionPolicy, bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding) (*judge, error) {
	j := &judge{
		kinds:      map[schema.GroupVersionKind]kindInfo{},
		namespaces: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
		objects:    admission.NewObjectInterfacesFromScheme(scheme),
	}
	for _, k := range req.Kinds {
		gv, err := schema.ParseGroupVersion(k.APIVersion)
		if err != nil {
			return nil, fmt.Errorf("kinds: %w", err)
		}
		j.kinds[gv.WithKind(k.Kind)] = k
	}
	// The cluster's objects by kind (namespaces apart), as informers would hold them.
	byKind := map[schema.GroupVersionKind][]runtime.Object{}
	for i, raw := range req.Cluster {
		obj, gvk, err := versioned(raw)
		if err != nil {
			return nil, fmt.Errorf("cluster object %d: %w", i, err)
		}
		if ns, ok := obj.(*corev1.Namespace); ok {
			_ = j.namespaces.Add(ns)
			continue
		}
		byKind[gvk] = append(byKind[gvk], obj)
	}
	j.matcher = matching.NewMatcher(corelisters.NewNamespaceLister(j.namespaces), nil)

	byPolicy := map[string][]*admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	for _, b := range bindings {
		byPolicy[b.Spec.PolicyName] = append(byPolicy[b.Spec.PolicyName], b)
	}
	// One after the other, as the API server's policy source compiles them: they share one environment template, which is not safe for concurrent compiling.
	for _, p := range policies {
		hook := validating.PolicyHook{Policy: p, Bindings: byPolicy[p.Name], Evaluator: compilePolicy(p)}
		if pk := p.Spec.ParamKind; pk != nil {
			gv, err := schema.ParseGroupVersion(pk.APIVersion)
			if err != nil {
				// The policy source skips such a policy (after validation, which refuses it first).
				continue
			}
			gvk := gv.WithKind(pk.Kind)
			if k, ok := j.kinds[gvk]; ok {
				indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
				for _, o := range byKind[gvk] {
					_ = indexer.Add(o)
				}
				hook.ParamInformer = staticInformer{lister: cache.NewGenericLister(indexer, gv.WithResource(k.Resource).GroupResource())}
				hook.ParamScope = meta.RESTScopeRoot
				if k.Namespaced {
					hook.ParamScope = meta.RESTScopeNamespace
				}
			} else {
				// What the policy source answers when discovery does not know the kind.
				hook.ConfigurationError = fmt.Errorf("failed to find resource referenced by paramKind: '%v'", gvk)
			}
		}
		j.hooks = append(j.hooks, hook)
	}
	return j, nil
}

// recordingAttributes keeps the audit annotations admission adds.
type recordingAttributes struct {
	admission.Attributes
	mu          sync.Mutex
	annotations map[string]string
}

func (r *recordingAttributes) AddAnnotation(key, value string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.annotations == nil {
		r.annotations = map[string]string{}
	}
	// As the API server's attributes record: an annotation once set stays.
	if prev, ok := r.annotations[key]; ok && prev != value {
		return fmt.Errorf("admission annotations are not allowed to be overwritten, key:%q, old value: %q, new value:%q", key, prev, value)
	}
	r.annotations[key] = value
	return nil
}

type warnings []string

func (w *warnings) AddWarning(_, text string) { *w = append(*w, text) }

// offlineAuthorizer answers every question with "no opinion" and notes that
// it was asked: a verdict that depends on the cluster's RBAC is not ours to give.
type offlineAuthorizer struct{ asked []string }

func (a *offlineAuthorizer) Authorize(_ context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	what := attrs.GetVerb() + " " + attrs.GetResource()
	if attrs.GetPath() != "" {
		what = attrs.GetVerb() + " " + attrs.GetPath()
	}
	a.asked = append(a.asked, strings.TrimSpace(what))
	return authorizer.DecisionNoOpinion, "the cluster's authorizer is not available offline", nil
}

// capturing keeps what a compiled policy decided, beyond the first refusal
// the dispatcher returns.
type capturing struct {
	validating.Validator
	mu      sync.Mutex
	results []validating.ValidateResult
}

func (c *capturing) Validate(ctx context.Context, gvr schema.GroupVersionResource, va *admission.VersionedAttributes, params runtime.Object, ns *corev1.Namespace, budget int64, authz authorizer.Authorizer) validating.ValidateResult {
	r := c.Validator.Validate(ctx, gvr, va, params, ns, budget, authz)
	c.mu.Lock()
	c.results = append(c.results, r)
	c.mu.Unlock()
	return r
}

func (j *judge) attributes(rr reviewRequest) (*recordingAttributes, error) {
	var obj, old runtime.Object
	var gvk schema.GroupVersionKind
	var meta metav1.Object
	if len(rr.Object) > 0 && string(rr.Object) != "null" {
		o, k, err := readObject(rr.Object)
		if err != nil {
			return nil, err
		}
		obj, gvk = o, k
	}
	if len(rr.OldObject) > 0 && string(rr.OldObject) != "null" {
		o, k, err := readObject(rr.OldObject)
		if err != nil {
			return nil, err
		}
		old = o
		if obj == nil {
			gvk = k
		}
	}
	subject := obj
	if subject == nil {
		subject = old
	}
	if subject == nil {
		return nil, errors.New("the request has neither object nor oldObject")
	}
	m, err := metaOf(subject)
	if err != nil {
		return nil, err
	}
	meta = m
	k, ok := j.kinds[gvk]
	if !ok {
		return nil, fmt.Errorf("the kind %s is not known (no resource for it)", gvk)
	}
	gvr := gvk.GroupVersion().WithResource(k.Resource)
	ns := ""
	if k.Namespaced {
		ns = meta.GetNamespace()
		if ns == "" {
			ns = metav1.NamespaceDefault
		}
	}
	op := admission.Operation(rr.Operation)
	if op == "" {
		op = admission.Create
		if obj == nil {
			op = admission.Delete
		}
	}
	dryRun := []string{metav1.DryRunAll}
	var options runtime.Object
	switch op {
	case admission.Create:
		options = &metav1.CreateOptions{DryRun: dryRun}
	case admission.Update:
		options = &metav1.UpdateOptions{DryRun: dryRun}
	case admission.Delete:
		options = &metav1.DeleteOptions{DryRun: dryRun}
	}
	if options != nil {
		options.GetObjectKind().SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind(fmt.Sprintf("%sOptions", titleCase(string(op)))))
	}
	u := &user.DefaultInfo{}
	if rr.UserInfo != nil {
		u = &user.DefaultInfo{Name: rr.UserInfo.Username, UID: rr.UserInfo.UID, Groups: rr.UserInfo.Groups, Extra: rr.UserInfo.Extra}
	}
	return &recordingAttributes{Attributes: admission.NewAttributesRecord(obj, old, gvk, ns, meta.GetName(), gvr, rr.SubResource, op, options, true, u)}, nil
}

// kubeMinor is the Kubernetes version this code is (k8s.io/component-base's binary version).
func kubeMinor() string {
	return componentversion.DefaultKubeBinaryVersion
}

func titleCase(op string) string {
	return strings.ToUpper(op[:1]) + strings.ToLower(op[1:])
}

func metaOf(o runtime.Object) (metav1.Object, error) {
	return meta.Accessor(o)
}

// ensureNamespace: a namespaced request's namespace exists (bare, labelled
// with its name as the API server labels every namespace) unless the cluster
// describes it.
func (j *judge) ensureNamespace(name string) {
	if name == "" {
		return
	}
	if _, ok, _ := j.namespaces.GetByKey(name); ok {
		return
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	scheme.Default(ns)
	_ = j.namespaces.Add(ns)
}

var denialPrefix = "denied request: "

// review judges one request: each policy and binding pair on its own, through
// the API server's dispatcher, so that every refusal is reported, each in the
// API server's words.
func (j *judge) review(attrs *recordingAttributes) (res reviewResult) {
	defer func() {
		if r := recover(); r != nil {
			res = reviewResult{Error: fmt.Sprintf("internal error judging the request: %v", r)}
		}
	}()
	seen := map[string]bool{}
	add := func(d decision) {
		key := d.Action + "\x00" + d.Text
		if !seen[key] {
			seen[key] = true
			res.Decisions = append(res.Decisions, d)
		}
	}
	for _, hook := range j.hooks {
		for _, binding := range hook.Bindings {
			auth := &offlineAuthorizer{}
			d := validating.NewDispatcher(auth, generic.NewPolicyMatcher(j.matcher))
			cap := &capturing{Validator: hook.Evaluator}
			h := hook
			h.Bindings = []*admissionregistrationv1.ValidatingAdmissionPolicyBinding{binding}
			h.Evaluator = cap
			var warned warnings
			ctx := warning.WithWarningRecorder(context.Background(), &warned)
			pairAttrs := &recordingAttributes{Attributes: attrs.Attributes}
			err := d.Dispatch(ctx, pairAttrs, j.objects, []validating.PolicyHook{h})
			if len(auth.asked) > 0 {
				add(decision{
					Policy: hook.Policy.Name, Binding: binding.Name, Action: "Undecidable", Evaluation: "error",
					Message: fmt.Sprintf("the verdict depends on the cluster's authorizer (asked: %s), which only the API server can answer", strings.Join(auth.asked, ", ")),
				})
				continue
			}
			j.collect(pairAttrs, hook.Policy, binding, cap.results, err, warned, add)
			for k, v := range pairAttrs.annotations {
				if res.Annotations == nil {
					res.Annotations = map[string]string{}
				}
				if prev, ok := res.Annotations[k]; ok && prev != v {
					// The API server joins the values of one key from several bindings of a policy.
					v = prev + ", " + v
				}
				res.Annotations[k] = v
			}
		}
	}
	return res
}

// collect turns one pair's outcome into decisions. Refusals: every failed
// validation (when the binding denies), every audit annotation that could not
// be evaluated, or the configuration error the dispatcher returned.
func (j *judge) collect(attrs admission.Attributes, p *admissionregistrationv1.ValidatingAdmissionPolicy, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, results []validating.ValidateResult, err error, warned warnings, add func(decision)) {
	denies := false
	audits := false
	for _, a := range b.Spec.ValidationActions {
		denies = denies || a == admissionregistrationv1.Deny
		audits = audits || a == admissionregistrationv1.Audit
	}
	// The refusal as the API server words it (dispatcher.go, admission.NewForbidden).
	text := func(msg string) string {
		denied := fmt.Errorf("ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s", p.Name, b.Name, msg)
		return admission.NewForbidden(attrs, denied).Error()
	}
	evaluation := func(e validating.PolicyDecisionEvaluation) string {
		if e == validating.EvalError {
			return "error"
		}
		return "deny"
	}
	var refusals []decision
	for _, r := range results {
		for _, d := range r.Decisions {
			if d.Action != validating.ActionDeny {
				continue
			}
			reason := string(d.Reason)
			if reason == "" {
				reason = string(metav1.StatusReasonInvalid)
			}
			if denies {
				refusals = append(refusals, decision{Policy: p.Name, Binding: b.Name, Action: "Deny", Evaluation: evaluation(d.Evaluation), Message: d.Message, Text: text(d.Message), Reason: reason})
			}
			if audits {
				add(decision{Policy: p.Name, Binding: b.Name, Action: "Audit", Evaluation: evaluation(d.Evaluation), Message: d.Message, Text: d.Message, Reason: reason})
			}
		}
		for _, a := range r.AuditAnnotations {
			if a.Action == validating.AuditAnnotationActionError {
				refusals = append(refusals, decision{Policy: p.Name, Binding: b.Name, Action: "Deny", Evaluation: "error", Message: a.Error, Text: text(a.Error), Reason: string(metav1.StatusReasonInvalid)})
			}
		}
	}
	if err != nil {
		var status *apierrors.StatusError
		first := decision{Policy: p.Name, Binding: b.Name, Action: "Deny", Evaluation: "error", Text: err.Error()}
		if errors.As(err, &status) {
			first.Text = status.ErrStatus.Message
			first.Reason = string(status.ErrStatus.Reason)
			first.Code = status.ErrStatus.Code
		}
		_, first.Message, _ = strings.Cut(first.Text, denialPrefix)
		if !strings.Contains(first.Text, fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' denied", p.Name, b.Name)) {
			// A policy-level configuration error names no binding.
			first.Binding = ""
		}
		if len(refusals) == 0 || refusals[0].Text != first.Text {
			refusals = append([]decision{first}, refusals...)
		} else {
			refusals[0].Code, refusals[0].Reason = first.Code, first.Reason
		}
	}
	for _, d := range refusals {
		if d.Code == 0 {
			d.Code = 422
			if d.Reason == string(metav1.StatusReasonForbidden) {
				d.Code = 403
			}
		}
		add(d)
	}
	for _, w := range warned {
		add(decision{Policy: p.Name, Binding: b.Name, Action: "Warn", Evaluation: "deny", Message: strings.TrimPrefix(w, fmt.Sprintf("Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': ", p.Name, b.Name)), Text: w})
	}
}

// runAdmission answers the admission part of a request.
func runAdmission(req *admissionRequest, workers int) (*admissionResponse, error) {
	t := time.Now()
	policies, bindings, statuses := policyObjects(req.Policies, req.Kinds)
	trace(fmt.Sprintf("  validate %d policies and bindings", len(req.Policies)), t)
	t = time.Now()
	j, err := newJudge(req, policies, bindings)
	if err != nil {
		return nil, err
	}
	trace(fmt.Sprintf("  compile %d policies, index %d cluster objects", len(policies), len(req.Cluster)), t)
	t = time.Now()
	// Every request read first (in parallel), then its namespace made sure of, so
	// that the requests judged in parallel only read the namespace index.
	results := make([]reviewResult, len(req.Requests))
	attrs := make([]*recordingAttributes, len(req.Requests))
	parallel(len(req.Requests), workers, func(i int) {
		a, err := j.attributes(req.Requests[i])
		if err != nil {
			results[i] = reviewResult{Error: err.Error()}
			return
		}
		attrs[i] = a
	})
	for _, a := range attrs {
		if a != nil {
			j.ensureNamespace(a.GetNamespace())
		}
	}
	trace(fmt.Sprintf("  read %d requests", len(req.Requests)), t)
	t = time.Now()
	defer trace("  judge them", t)
	parallel(len(req.Requests), workers, func(i int) {
		if attrs[i] != nil {
			results[i] = j.review(attrs[i])
		}
	})
	return &admissionResponse{Policies: statuses, Results: results}, nil
}
