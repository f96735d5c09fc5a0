package deploy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// manifests are deploy/kubernetes's objects, each decoded strictly into
// its Kubernetes API type: an unknown or misspelt field, or a value of
// the wrong type, fails the test as kubectl apply --validate=strict would.
type manifests struct {
	deployment *appsv1.Deployment
	job        *batchv1.Job
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "deploy", "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("deploy/kubernetes/*.yaml = %v, %v", files, err)
	}
	var m manifests
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(raw, []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			var obj any
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				m.deployment = &appsv1.Deployment{}
				obj = m.deployment
			case "batch/v1 Job":
				m.job = &batchv1.Job{}
				obj = m.job
			case "v1 Service":
				m.service = &corev1.Service{}
				obj = m.service
			case "policy/v1 PodDisruptionBudget":
				m.pdb = &policyv1.PodDisruptionBudget{}
				obj = m.pdb
			default:
				t.Fatalf("%s #%d: unexpected %s %s", f, i, head.APIVersion, head.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Errorf("%s #%d (%s): strict decoding: %v", filepath.Base(f), i, head.Kind, err)
			}
		}
	}
	if m.deployment == nil || m.job == nil || m.service == nil || m.pdb == nil {
		t.Fatalf("deploy/kubernetes lacks a Deployment, Job, Service or PodDisruptionBudget: %+v", m)
	}
	return m
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	d := m.deployment
	pod := d.Spec.Template
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("Deployment replicas = %v; want at least 2", d.Spec.Replicas)
	}
	if !matches(d.Spec.Selector.MatchLabels, pod.Labels) {
		t.Errorf("Deployment selector %v does not select its pods %v", d.Spec.Selector.MatchLabels, pod.Labels)
	}
	serve := onlyContainer(t, "Deployment", pod.Spec)
	if !slices.Equal(serve.Args, []string{"serve"}) {
		t.Errorf("Deployment args = %q; want [serve]", serve.Args)
	}
	checkProbe(t, "readiness", serve.ReadinessProbe, "/readyz", serve)
	checkProbe(t, "liveness", serve.LivenessProbe, "/healthz", serve)
	checkResources(t, "Deployment", serve)
	if g := pod.Spec.TerminationGracePeriodSeconds; g == nil || *g <= 10 {
		t.Errorf("terminationGracePeriodSeconds = %v; want more than SHUTDOWN_TIMEOUT (10s)", g)
	}

	if !matches(m.service.Spec.Selector, pod.Labels) {
		t.Errorf("Service selector %v does not select the serve pods %v", m.service.Spec.Selector, pod.Labels)
	}
	for _, p := range m.service.Spec.Ports {
		if p.TargetPort.String() != "http" || !slices.ContainsFunc(serve.Ports, func(c corev1.ContainerPort) bool { return c.Name == "http" }) {
			t.Errorf("Service port %s targets %s; want the container's port named http", p.Name, p.TargetPort.String())
		}
	}
	if m.pdb.Spec.Selector == nil || !matches(m.pdb.Spec.Selector.MatchLabels, pod.Labels) || m.pdb.Spec.MinAvailable == nil {
		t.Errorf("PodDisruptionBudget %+v does not keep serve pods available", m.pdb.Spec)
	}

	job := m.job.Spec.Template
	ingest := onlyContainer(t, "Job", job.Spec)
	if !slices.Equal(ingest.Args, []string{"ingest"}) || job.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("Job runs %q with restartPolicy %q; want [ingest], Never", ingest.Args, job.Spec.RestartPolicy)
	}
	if matches(d.Spec.Selector.MatchLabels, job.Labels) {
		t.Errorf("the Deployment's selector also selects the ingest pods %v", job.Labels)
	}
	checkResources(t, "Job", ingest)
	if ingest.Image != serve.Image {
		t.Errorf("Job image %q differs from the Deployment's %q", ingest.Image, serve.Image)
	}
}

// The strict decoder is what rejects a misspelt field.
func TestKubernetesStrictDecoding(t *testing.T) {
	const bad = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n  replicaz: 3\n"
	if err := yaml.UnmarshalStrict([]byte(bad), &appsv1.Deployment{}); err == nil {
		t.Errorf("UnmarshalStrict(%q) = nil; want an unknown-field error", bad)
	}
}

func onlyContainer(t *testing.T, what string, spec corev1.PodSpec) corev1.Container {
	t.Helper()
	if len(spec.Containers) != 1 {
		t.Fatalf("%s has %d containers; want 1", what, len(spec.Containers))
	}
	c := spec.Containers[0]
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Errorf("%s pods may run as root; want runAsNonRoot", what)
	}
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool { return e.SecretRef != nil && e.SecretRef.Name == "coopbot" }) {
		t.Errorf("%s takes no configuration from the Secret coopbot", what)
	}
	return c
}

func checkProbe(t *testing.T, what string, p *corev1.Probe, path string, c corev1.Container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
		t.Errorf("%s probe = %+v; want GET %s", what, p, path)
		return
	}
	if port := p.HTTPGet.Port.String(); !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == port }) {
		t.Errorf("%s probe port %q names no container port", what, port)
	}
}

func checkResources(t *testing.T, what string, c corev1.Container) {
	t.Helper()
	r := c.Resources
	if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
		t.Errorf("%s resources = %+v; want cpu and memory requests and a memory limit", what, r)
	}
}

// matches reports whether selector (non-empty) selects labels.
func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
