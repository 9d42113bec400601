package server

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// openapi.json describes every route; TestOpenAPIMatchesRoutes keeps the
// two in step, and every status the tests see must be documented.
//
//go:embed openapi.json
var openapiJSON []byte

// openAPI is the document with info.version set to version.
func openAPI(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return nil, fmt.Errorf("server: openapi.json: %w", err)
	}
	if info, ok := doc["info"].(map[string]any); ok {
		info["version"] = version
	}
	return json.MarshalIndent(doc, "", "  ")
}

// OpenAPI is the service's OpenAPI 3.1 document, as /openapi.json serves it.
func (s *Server) OpenAPI() []byte { return s.openapi }

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeRawJSON(w, http.StatusOK, s.openapi)
}
