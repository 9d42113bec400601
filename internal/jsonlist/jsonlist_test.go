package jsonlist

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSameAsWhole: a document written a list element at a time is the
// same bytes as the whole document indented at once, for a list that is
// the document and for one in a field, with none, one and several
// elements.
func TestSameAsWhole(t *testing.T) {
	type item struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	type doc struct {
		Version int    `json:"version"`
		Items   []item `json:"items"`
		After   string `json:"after"`
	}
	lists := [][]item{nil, {{Name: "a", Tags: []string{"x"}}}, {{Name: "a"}, {Name: "b <&>", Tags: []string{"y", "z"}}, {}}}
	for _, items := range lists {
		whole, err := json.MarshalIndent(doc{Version: 2, Items: append([]item{}, items...), After: "end"}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		empty, _ := json.MarshalIndent(doc{Version: 2, Items: []item{}, After: "end"}, "", "  ")
		var got bytes.Buffer
		l, err := Into(&got, empty, `"items": []`, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			js, _ := json.MarshalIndent(it, l.Prefix(), "  ")
			if err := l.Add(js); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), whole) {
			t.Errorf("%d items in a field:\n%s\nwant\n%s", len(items), got.Bytes(), whole)
		}

		// The document is the list (json.Encoder: with a newline).
		var wholeList, gotList bytes.Buffer
		enc := json.NewEncoder(&wholeList)
		enc.SetIndent("", "  ")
		enc.Encode(append([]item{}, items...))
		l, err = Into(&gotList, []byte("[]\n"), "[]", 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			js, _ := json.MarshalIndent(it, l.Prefix(), "  ")
			l.Add(js)
		}
		l.Close()
		if !bytes.Equal(gotList.Bytes(), wholeList.Bytes()) {
			t.Errorf("%d items as the document:\n%s\nwant\n%s", len(items), gotList.Bytes(), wholeList.Bytes())
		}
	}
	if _, err := Into(&bytes.Buffer{}, []byte(`{"a": 1}`), `"items": []`, 2); err == nil {
		t.Error("a document without the list was accepted")
	}
}
