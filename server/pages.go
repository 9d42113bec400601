package server

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/thumb"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/server/web"
)

// The pages for fact-checkers (package web renders them): check a file and
// see the evidence, browse the registry, and — signed in with an API key —
// add, append to and delete cases. Checks and registrations go through the
// same code as the API (checkUpload, registerUpload).

// pageRoutes are the pages' routes. They are not part of the API (not in
// Routes or openapi.json). Access: public pages are open; reader pages
// need a session when reads are keyed; writer pages always need one, and
// their forms a valid form token.
func (s *Server) pageRoutes() []route {
	return []route{
		{"GET /{$}", reader, s.pageCheck},
		{"POST /check", reader, s.pagePostCheck},
		{"GET /static/", public, web.Static().ServeHTTP},
		{"GET /thumbs/{case}/{sha}/{frame}", reader, s.pageThumb},
		{"GET /cases", reader, s.pageCases},
		{"GET /cases/{id}", reader, s.pageCase},
		{"GET /signin", public, s.pageSignin},
		{"POST /signin", public, s.pagePostSignin},
		{"POST /signout", writer, s.pageSignout},
		{"GET /add", writer, s.pageAdd},
		{"POST /add", writer, s.pagePostAdd},
		{"GET /cases/{id}/delete", writer, s.pageDelete},
		{"POST /cases/{id}/delete", writer, s.pagePostDelete},
	}
}

type pageKey struct{}

// visitor is who asks for a page.
type visitor struct {
	signed bool
	csrf   string
}

func visitorFrom(ctx context.Context) visitor {
	v, _ := ctx.Value(pageKey{}).(visitor)
	return v
}

// pageGuard applies a page's access rule and the request deadline. A
// visitor without the session a page needs is sent to the sign-in page;
// a form posted to a writer page must come from this site and carry the
// session's form token.
func (s *Server) pageGuard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = rt.pattern
		csrf, signed := s.sessions.Lookup(r)
		v := visitor{signed: signed, csrf: csrf}
		need := rt.access == writer || rt.access == reader && s.cfg.KeyedReads
		if need && !signed {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.pageError(w, r, http.StatusUnauthorized, "Sign in first", "This needs you to sign in with an API key.")
			return
		}
		if r.Method == http.MethodPost && !web.SameOrigin(r) {
			s.pageError(w, r, http.StatusForbidden, "Refused", "This form was sent from another site.")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		rt.handle(w, r.WithContext(context.WithValue(ctx, pageKey{}, v)))
	})
}

func (s *Server) page(r *http.Request, title, nav string, body any) web.Page {
	v := visitorFrom(r.Context())
	return web.Page{Title: title, Nav: nav, Signed: v.signed, CSRF: v.csrf, Flash: flash(r), Body: body}
}

// flash is the message a redirect asked to show.
func flash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "deleted":
		return "The case was deleted."
	case "signedin":
		return "You are signed in."
	case "signedout":
		return "You are signed out."
	}
	return ""
}

type errorPage struct{ Heading, Message string }

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	infoFrom(r.Context()).code = strconv.Itoa(status)
	s.web.Render(w, status, "error", s.page(r, heading, "", errorPage{heading, msg}))
}

// pageFail answers a failed request with an error page: an *apiError's
// message (made for people), anything else as an internal error whose
// details go to the log.
func (s *Server) pageFail(w http.ResponseWriter, r *http.Request, err error) {
	ae := s.asAPIError(r, err)
	if ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	s.pageError(w, r, ae.Status, http.StatusText(ae.Status), ae.Msg)
}

// checkBody is the check page's data.
type checkBody struct {
	MaxUpload string
	Result    *web.Result
}

func (s *Server) pageCheck(w http.ResponseWriter, r *http.Request) {
	s.web.Render(w, http.StatusOK, "check", s.page(r, "Check a file", "check", checkBody{MaxUpload: humanBytes(s.cfg.MaxUpload)}))
}

// pagePostCheck checks an upload from the check page: the result in place
// (?partial=1, for the page's script) or as a page of its own (a plain
// form post, without script).
func (s *Server) pagePostCheck(w http.ResponseWriter, r *http.Request) {
	partial := r.URL.Query().Get("partial") == "1"
	tc := thumb.NewCollector(s.e.QuerySampling().MaxFrames)
	c := s.checkUpload(w, r, tc.Observe)
	status := http.StatusOK
	var res web.Result
	switch {
	case c.err != nil:
		ae := s.asAPIError(r, c.err)
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
		}
		status, res = ae.Status, web.Result{File: "The file", Error: ae.Msg}
	case c.fileErr != nil:
		status, res = c.fileErr.Status, web.NewResult(c.rep, web.Evidence{})
	default:
		res = web.NewResult(c.rep, s.evidence(r.Context(), tc))
	}
	if partial {
		s.web.Fragment(w, status, "checkpage", "result", res)
		return
	}
	s.web.Render(w, status, "checkpage", s.page(r, res.Words, "check", res))
}

// evidence gives the page the thumbnails of both sides.
func (s *Server) evidence(ctx context.Context, tc *thumb.Collector) web.Evidence {
	ev := web.Evidence{MatchDistance: s.e.Config().Thresholds.MatchDistance}
	if snap, err := s.e.Snapshot(ctx); err == nil {
		ev.Cases = snap.CaseCount()
	}
	ev.QueryThumb = func(t float64) ([]byte, int, int, bool) {
		b, ok := tc.Get(t)
		if !ok {
			return nil, 0, 0, false
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil, 0, 0, false
		}
		return b, cfg.Width, cfg.Height, true
	}
	if ts, ok := s.e.Store().(registry.Thumbnails); ok {
		ev.EntryThumbs = func(caseID, sha string) map[int]bool {
			frames, err := ts.ThumbnailFrames(ctx, caseID, sha)
			if err != nil {
				s.log.Warn("cannot list thumbnails", "request_id", infoFrom(ctx).id, "error", err)
				return nil
			}
			have := make(map[int]bool, len(frames))
			for _, f := range frames {
				have[f] = true
			}
			return have
		}
	}
	return ev
}

// pageThumb serves the thumbnail of a registered frame.
func (s *Server) pageThumb(w http.ResponseWriter, r *http.Request) {
	ts, ok := s.e.Store().(registry.Thumbnails)
	name, found := strings.CutSuffix(r.PathValue("frame"), ".jpg")
	frame, err := strconv.Atoi(name)
	if !ok || !found || err != nil || frame < 0 {
		http.NotFound(w, r)
		return
	}
	b, err := ts.Thumbnail(r.Context(), r.PathValue("case"), r.PathValue("sha"), frame)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// casesBody is the list page's data.
type casesBody struct {
	Q, Tag, From, To string
	Filtered         bool
	Count, Total     int
	Tags             []string
	Cases            []caseItem
}

type caseItem struct {
	ID, Title, Claim, Rating, Category, FirstSeen string
	Tags                                          []string
	Media, FactChecks                             int
}

func (s *Server) pageCases(w http.ResponseWriter, r *http.Request) {
	snap, err := s.e.Snapshot(r.Context())
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	q := r.URL.Query()
	b := casesBody{Q: strings.TrimSpace(q.Get("q")), Tag: strings.TrimSpace(q.Get("tag")), From: q.Get("from"), To: q.Get("to"),
		Total: snap.CaseCount()}
	b.Filtered = b.Q != "" || b.Tag != "" || b.From != "" || b.To != ""
	tags := map[string]bool{}
	var list []*registry.Case
	for i := range snap.Cases {
		c := &snap.Cases[i]
		if c.ID == "" {
			continue // the place of a removed case
		}
		for _, t := range c.Tags {
			tags[t] = true
		}
		if caseMatches(c, b.Q, b.Tag, b.From, b.To) {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *registry.Case) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	for _, c := range list {
		b.Cases = append(b.Cases, caseItem{ID: c.ID, Title: c.Title, Claim: c.Claim, Rating: c.Rating, Category: string(c.Category),
			FirstSeen: c.FirstSeen, Tags: c.Tags, Media: len(c.Media), FactChecks: len(c.FactChecks)})
	}
	b.Count = len(b.Cases)
	for t := range tags {
		b.Tags = append(b.Tags, t)
	}
	slices.Sort(b.Tags)
	s.web.Render(w, http.StatusOK, "cases", s.page(r, "Cases", "cases", b))
}

// caseMatches filters the case list: text in the id, title, claim, rating,
// tags or fact-checks (any letter case); a tag; a period that the case's
// first-seen date (or, without one, its registration) overlaps.
func caseMatches(c *registry.Case, text, tag, from, to string) bool {
	if tag != "" && !slices.ContainsFunc(c.Tags, func(t string) bool { return strings.EqualFold(t, tag) }) {
		return false
	}
	if text != "" {
		hay := []string{c.ID, c.Title, c.Claim, c.Rating, string(c.Category)}
		hay = append(hay, c.Tags...)
		for _, fc := range c.FactChecks {
			hay = append(hay, fc.Publisher, fc.Title, fc.URL)
		}
		found := false
		for _, h := range hay {
			if strings.Contains(strings.ToLower(h), strings.ToLower(text)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if from != "" || to != "" {
		seen := c.FirstSeen
		if seen == "" && !c.CreatedAt.IsZero() {
			seen = c.CreatedAt.UTC().Format("2006-01-02")
		}
		if seen == "" {
			return false
		}
		start, end := period(seen)
		if from != "" && end < from || to != "" && start > to {
			return false
		}
	}
	return true
}

// period is the first and last day of a YYYY, YYYY-MM or YYYY-MM-DD date.
func period(d string) (string, string) {
	switch len(d) {
	case 4:
		return d + "-01-01", d + "-12-31"
	case 7:
		return d + "-01", d + "-31"
	}
	return d, d
}

// caseBody is the case page's data.
type caseBody struct {
	Case  registry.Case
	Media []mediaItem
	Form  caseForm
}

type mediaItem struct {
	Name, Kind, Length, Note string
	Width, Height, Frames    int
	Thumbs                   []thumbItem
	MoreThumbs               int
}

type thumbItem struct{ Src, T string }

// maxCaseThumbs is the most thumbnails shown per medium on a case page.
const maxCaseThumbs = 24

func (s *Server) pageCase(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.e.Store().Get(r.Context(), id)
	if errors.Is(err, registry.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "No such case", fmt.Sprintf("There is no case %q in this registry.", id))
		return
	}
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	b := caseBody{Case: c, Form: s.caseForm(r, c.ID)}
	ts, _ := s.e.Store().(registry.Thumbnails)
	for _, m := range c.Media {
		fp := m.Fingerprint
		mi := mediaItem{Name: cmp.Or(m.Name, m.SHA256[:12]), Kind: string(fp.Kind), Note: m.Note, Width: fp.Width, Height: fp.Height, Frames: len(fp.Frames)}
		if fp.Kind == engine.KindVideo {
			mi.Length = web.Clock(fp.Duration)
		}
		if ts != nil {
			frames, err := ts.ThumbnailFrames(r.Context(), c.ID, m.SHA256)
			if err != nil {
				s.pageFail(w, r, err)
				return
			}
			shown := frames
			if len(frames) > maxCaseThumbs {
				shown = make([]int, maxCaseThumbs)
				for i := range shown {
					shown[i] = frames[i*(len(frames)-1)/(maxCaseThumbs-1)]
				}
			}
			mi.MoreThumbs = len(frames) - len(shown)
			for _, f := range shown {
				t := "the picture"
				if fp.Kind == engine.KindVideo && f < len(fp.Frames) {
					t = web.Clock(fp.Frames[f].T)
				}
				mi.Thumbs = append(mi.Thumbs, thumbItem{Src: web.ThumbURL(c.ID, m.SHA256, f), T: t})
			}
		}
		b.Media = append(b.Media, mi)
	}
	s.web.Render(w, http.StatusOK, "case", s.page(r, c.Title, "cases", b))
}

// caseForm is the form that adds a case, or media and a fact-check to one.
type caseForm struct {
	CSRF, ID, Error                                     string
	Title, NewID, Claim, Rating, Category, Tags         string
	FirstSeen, Note, Publisher, URL, FCTitle, Published string
	Language                                            string
	Categories                                          []registry.Category
}

func (s *Server) caseForm(r *http.Request, id string) caseForm {
	return caseForm{CSRF: visitorFrom(r.Context()).csrf, ID: id, Categories: registry.Categories}
}

type signinBody struct{ Next, Error string }

func (s *Server) pageSignin(w http.ResponseWriter, r *http.Request) {
	b := signinBody{Next: localPath(r.URL.Query().Get("next"))}
	if len(s.cfg.APIKeys) == 0 {
		b.Error = "This server accepts no API keys (server.api_keys, PROVCHECK_API_KEYS), so nobody can sign in."
	}
	s.web.Render(w, http.StatusOK, "signin", s.page(r, "Sign in", "signin", b))
}

// maxSigninBytes bounds the sign-in form.
const maxSigninBytes = 8 << 10

func (s *Server) pagePostSignin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.")
		return
	}
	next := localPath(r.PostForm.Get("next"))
	if !s.keys.accepts(r.PostForm.Get("key")) {
		s.log.Warn("sign-in refused", "request_id", infoFrom(r.Context()).id, "remote", r.RemoteAddr)
		s.web.Render(w, http.StatusForbidden, "signin", s.page(r, "Sign in", "signin",
			signinBody{Next: next, Error: "That key is not accepted by this server."}))
		return
	}
	s.sessions.Start(w, r)
	if next == "" {
		next = "/cases?done=signedin"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// localPath keeps a redirect target on this site: a path, not "//host".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	return p
}

// checkForm verifies the form token of a posted form.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request, token string) bool {
	if !web.ValidCSRF(visitorFrom(r.Context()).csrf, token) {
		s.pageError(w, r, http.StatusForbidden, "Refused", "This form has expired or was not sent from this site: reload the page and try again.")
		return false
	}
	return true
}

func (s *Server) pageSignout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if r.ParseForm() != nil || !s.checkForm(w, r, r.PostForm.Get("csrf")) {
		return
	}
	s.sessions.End(w, r)
	http.Redirect(w, r, "/?done=signedout", http.StatusSeeOther)
}

func (s *Server) pageAdd(w http.ResponseWriter, r *http.Request) {
	s.web.Render(w, http.StatusOK, "newcase", s.page(r, "Add a case", "new", s.caseForm(r, "")))
}

// pagePostAdd registers a new case, or media and a fact-check under an
// existing one, from the case form.
func (s *Server) pagePostAdd(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	up, err := s.receiveWhole(w, r, uploadSpec{maxFiles: maxEntryFiles, fields: append(slices.Clip(entryFields), "csrf")})
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	defer up.cleanup()
	release, ok := s.queue.admit()
	if !ok {
		s.pageFail(w, r, s.busy())
		return
	}
	defer release()
	get := func(k string) string {
		if v := up.fields[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	if !s.checkForm(w, r, get("csrf")) {
		return
	}
	delete(up.fields, "csrf")
	appending := get("title") == "" && get("id") != ""
	saved, _, err := s.registerUpload(ctx, up)
	if err != nil {
		ae := s.asAPIError(r, err)
		if ae.Status >= 500 {
			s.pageFail(w, r, err)
			return
		}
		f := s.caseForm(r, "")
		if appending {
			f.ID = get("id")
		}
		f.Error, f.Title, f.NewID, f.Claim, f.Rating, f.Category = ae.Msg, get("title"), get("id"), get("claim"), get("rating"), get("category")
		f.Tags, f.FirstSeen, f.Note, f.Publisher, f.URL = strings.Join(up.fields["tag"], ", "), get("first_seen"), get("note"), get("publisher"), get("fact_check")
		f.FCTitle, f.Published, f.Language = get("fact_check_title"), get("published"), get("language")
		s.web.Render(w, ae.Status, "newcase", s.page(r, "Add a case", "new", f))
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(saved.ID), http.StatusSeeOther)
}

type confirmBody struct {
	ID, Title string
	Media     int
}

func (s *Server) pageDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.e.Store().Get(r.Context(), id)
	if errors.Is(err, registry.ErrNotFound) {
		s.pageError(w, r, http.StatusNotFound, "No such case", fmt.Sprintf("There is no case %q in this registry.", id))
		return
	}
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.web.Render(w, http.StatusOK, "confirm", s.page(r, "Delete "+c.Title, "cases", confirmBody{ID: c.ID, Title: c.Title, Media: len(c.Media)}))
}

func (s *Server) pagePostDelete(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if r.ParseForm() != nil || !s.checkForm(w, r, r.PostForm.Get("csrf")) {
		return
	}
	id := r.PathValue("id")
	if err := s.e.Store().Remove(r.Context(), id); err != nil {
		s.pageFail(w, r, registryError(err, id))
		return
	}
	s.refreshNow(r.Context())
	s.log.Info("entry removed", "request_id", infoFrom(r.Context()).id, "entry_id", id)
	http.Redirect(w, r, "/cases?done=deleted", http.StatusSeeOther)
}

// asAPIError is the answer fail would give for err.
func (s *Server) asAPIError(r *http.Request, err error) *apiError {
	var ae *apiError
	switch ctxErr := r.Context().Err(); {
	case errors.As(err, &ae):
		return ae
	case errors.Is(ctxErr, context.DeadlineExceeded):
		return &apiError{Status: http.StatusGatewayTimeout, Code: "deadline_exceeded",
			Msg: fmt.Sprintf("the request took longer than this server allows (%s)", s.cfg.RequestTimeout)}
	case ctxErr != nil:
		return &apiError{Status: http.StatusServiceUnavailable, Code: "canceled", Msg: "the request was canceled"}
	}
	info := infoFrom(r.Context())
	s.log.Error("internal error", "request_id", info.id, "route", info.route, "error", err)
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Msg: "internal error; quote the request id " + info.id + " when reporting it"}
}
