package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// apiError is an answer other than success: a status, a stable code for
// programs and a message for people. Messages never carry file paths,
// stack traces or internal errors; those are logged.
type apiError struct {
	Status     int
	Code       string
	Msg        string
	RetryAfter int // seconds; sets Retry-After when positive
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

// errorBody is the JSON of every error answer.
type errorBody struct {
	File      string `json:"file,omitempty"`
	Error     string `json:"error"`
	Code      string `json:"code"`
	Reply     string `json:"reply,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

func errBadRequest(code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Msg: msg}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written here marshals; this is a programming error.
		http.Error(w, `{"error":"internal error","code":"internal"}`, http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fail answers with err: an *apiError as it is, anything else as a 500
// whose details go to the log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.failWith(w, r, err, errorBody{})
}

// failWith is fail with extra fields (the file, a reply) in the body.
func (s *Server) failWith(w http.ResponseWriter, r *http.Request, err error, body errorBody) {
	info := infoFrom(r.Context())
	var ae *apiError
	switch ctxErr := r.Context().Err(); {
	case errors.As(err, &ae):
	case errors.Is(ctxErr, context.DeadlineExceeded):
		ae = &apiError{Status: http.StatusGatewayTimeout, Code: "deadline_exceeded",
			Msg: fmt.Sprintf("the request took longer than this server allows (%s)", s.cfg.RequestTimeout)}
	case ctxErr != nil:
		ae = &apiError{Status: http.StatusServiceUnavailable, Code: "canceled", Msg: "the request was canceled"}
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", info.id), slog.String("route", info.route), slog.Any("error", err))
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal",
			Msg: "internal error; quote the request id when reporting it"}
	}
	info.code = ae.Code
	if ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	body.Error, body.Code, body.RequestID = ae.Msg, ae.Code, info.id
	writeJSON(w, ae.Status, body)
}

// jsonUnmatched answers requests that match no route — 404, or 405 with
// Allow when the path exists for other methods — with the JSON error body
// every other error has, instead of net/http's plain text.
func (s *Server) jsonUnmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux decides between 404, 405 and a redirect; its answer is
		// captured and rewritten only when it is an error.
		c := &captured{header: http.Header{}}
		mux.ServeHTTP(c, r)
		switch c.status {
		case http.StatusNotFound:
			s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_found", Msg: "no such route; see /openapi.json"})
		case http.StatusMethodNotAllowed:
			if allow := c.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			s.fail(w, r, &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
				Msg: fmt.Sprintf("method %s is not allowed here (allowed: %s)", r.Method, c.header.Get("Allow"))})
		default:
			for k, v := range c.header {
				w.Header()[k] = v
			}
			if c.status == 0 {
				c.status = http.StatusOK
			}
			w.WriteHeader(c.status)
			w.Write(c.body)
		}
	})
}

// captured holds an answer in memory (the mux's short fallback answers).
type captured struct {
	header http.Header
	status int
	body   []byte
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if len(c.body) < 64<<10 {
		c.body = append(c.body, b...)
	}
	return len(b), nil
}
