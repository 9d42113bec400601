// Package web is the presentation of provcheck's pages for fact-checkers:
// server-rendered html/template pages (check a file and see the evidence,
// browse and edit the registry), one stylesheet and one small script, all
// embedded in the binary — nothing is fetched from elsewhere, so the pages
// work offline on a newsroom intranet. The HTTP handlers are in package
// server; this package renders, and keeps sign-in sessions.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every page template gets.
type Page struct {
	Title  string
	Nav    string // the current entry of the navigation: check, cases, new, signin
	Signed bool   // the visitor is signed in
	CSRF   string // the session's form token
	Flash  string // a one-line message at the top
	Body   any    // the page's own data
}

// Renderer renders the pages.
type Renderer struct {
	pages map[string]*template.Template
	log   *slog.Logger
}

// pageFiles are the page templates; each is parsed with the layout and the
// shared parts.
var pageFiles = []string{"check", "checkpage", "cases", "case", "newcase", "signin", "confirm", "error"}

// shared are the templates every page may use.
var shared = []string{"templates/base.html", "templates/result.html", "templates/caseform.html"}

// New parses the embedded templates.
func New(log *slog.Logger) (*Renderer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Renderer{pages: map[string]*template.Template{}, log: log}
	for _, name := range pageFiles {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(shared, "templates/"+name+".html")...)
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

var funcs = template.FuncMap{}

// SetHeaders sets the security headers of every page: a strict content
// security policy (scripts, styles and images only from this server, or
// images from data: URLs for the in-memory thumbnails of a checked file;
// no inline script), no MIME sniffing, no framing, no referrer sent to the
// fact-check sites.
func SetHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// CSP is the pages' Content-Security-Policy.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Render writes a whole page.
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, p Page) {
	r.write(w, status, name, "base", p)
}

// Fragment writes one named template of a page without the layout (the
// result of a check, inserted in place by the script).
func (r *Renderer) Fragment(w http.ResponseWriter, status int, page, name string, data any) {
	r.write(w, status, page, name, data)
}

func (r *Renderer) write(w http.ResponseWriter, status int, page, name string, data any) {
	t, ok := r.pages[page]
	var buf bytes.Buffer
	var err error
	if !ok {
		err = fmt.Errorf("no page %q", page)
	} else {
		err = t.ExecuteTemplate(&buf, name, data)
	}
	SetHeaders(w.Header())
	if err != nil {
		r.log.Error("rendering a page", "page", page, "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("internal error\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Static serves the embedded stylesheet, script and icon.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		b, err := fs.ReadFile(sub, name)
		if err != nil || name == "" || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		SetHeaders(w.Header())
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
}
