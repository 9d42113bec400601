package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// apiDoc is the part of the OpenAPI document the tests read.
type apiDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

type apiOp struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

func readDoc(t testing.TB, b []byte) (apiDoc, map[string]apiOp) {
	t.Helper()
	var doc apiDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]apiOp{} // by route pattern, "METHOD /path"
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op apiOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return doc, ops
}

// TestOpenAPIMatchesRoutes keeps openapi.json in step with the routes: the
// same operations, each documented with an id and responses.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ts := newTestServer(t, nil)
	a := do(t, request(t, "GET", ts.url+"/openapi.json", nil))
	if a.status != 200 {
		t.Fatalf("%s", a)
	}
	doc, ops := readDoc(t, a.body)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	routes := ts.s.Routes()
	documented := slices.Sorted(maps.Keys(ops))
	slices.Sort(routes)
	if !slices.Equal(routes, documented) {
		t.Errorf("routes and openapi.json differ:\nroutes:     %v\ndocumented: %v", routes, documented)
	}
	ids := map[string]bool{}
	for name, op := range ops {
		if op.OperationID == "" || ids[op.OperationID] {
			t.Errorf("%s: missing or repeated operationId %q", name, op.OperationID)
		}
		ids[op.OperationID] = true
		if len(op.Responses) == 0 {
			t.Errorf("%s: no responses", name)
		}
	}
	var full map[string]any
	json.Unmarshal(a.body, &full)
	if v := full["info"].(map[string]any)["version"]; v != "test" {
		t.Errorf("info.version %v", v)
	}
	checkRefs(t, full, full)
}

// checkRefs fails for every $ref that does not resolve within the document.
func checkRefs(t *testing.T, root, v any) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if resolve(root, ref) == nil {
				t.Errorf("$ref %s does not resolve", ref)
			}
		}
		for _, x := range v {
			checkRefs(t, root, x)
		}
	case []any:
		for _, x := range v {
			checkRefs(t, root, x)
		}
	}
}

func resolve(root any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	cur := root
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// TestOpenAPISchemasMatchAnswers compares the documented properties of the
// check report and the error with what the service answers.
func TestOpenAPISchemasMatchAnswers(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.register(t, photoCase, "photo.jpg")
	var doc map[string]any
	json.Unmarshal(ts.s.OpenAPI(), &doc)
	props := func(schema string) []string {
		s := resolve(doc, "#/components/schemas/"+schema).(map[string]any)
		return slices.Sorted(maps.Keys(s["properties"].(map[string]any)))
	}
	report := ts.checkFile(t, "photo-small.jpg", "").json(t)
	if keys := slices.Sorted(maps.Keys(report)); !slices.Equal(keys, props("CheckReport")) {
		t.Errorf("check answer keys %v, documented %v", keys, props("CheckReport"))
	}
	match := report["matches"].([]any)[0].(map[string]any)
	for k := range match {
		if !slices.Contains(props("Match"), k) {
			t.Errorf("match key %q is not documented", k)
		}
	}
	bad := ts.checkFile(t, "truncated.jpg", "").json(t)
	for k := range bad {
		if !slices.Contains(props("Error"), k) {
			t.Errorf("error key %q is not documented", k)
		}
	}
	codes := resolve(doc, "#/components/schemas/Error/properties/code/enum").([]any)
	if !slices.Contains(codes, any(bad["code"])) {
		t.Errorf("error code %v is not documented", bad["code"])
	}
}

// checkObservedDocumented is run by TestMain after every test: each status
// a route answered must be documented for that operation.
func checkObservedDocumented() error {
	_, ops := readDoc(panicTB{}, openapiJSON)
	observed.Lock()
	defer observed.Unlock()
	var missing []string
	for route, statuses := range observed.m {
		if route == "unmatched" {
			continue
		}
		op, ok := ops[route]
		if !ok {
			missing = append(missing, route+" (not documented at all)")
			continue
		}
		for status := range statuses {
			if _, ok := op.Responses[strconv.Itoa(status)]; !ok {
				missing = append(missing, fmt.Sprintf("%s → %d", route, status))
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("%s", strings.Join(missing, ", "))
	}
	return nil
}

// panicTB lets readDoc run outside a test.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                   {}
func (panicTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// TestOpenAPILicense: OpenAPI 3.1 requires the license object to carry a
// name and exactly one of an SPDX identifier or a URL (swagger-cli rejects
// the document otherwise); the identifier is the repository's LICENSE.
func TestOpenAPILicense(t *testing.T) {
	var doc struct {
		Info struct {
			License map[string]string `json:"license"`
		} `json:"info"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	l := doc.Info.License
	_, hasID := l["identifier"]
	_, hasURL := l["url"]
	if l["name"] == "" || hasID == hasURL {
		t.Fatalf("license %v: want a name and exactly one of identifier or url", l)
	}
	if l["identifier"] != "Apache-2.0" {
		t.Errorf("license identifier %q, want Apache-2.0 (the LICENSE file)", l["identifier"])
	}
}
