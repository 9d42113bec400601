package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Sessions are sign-ins: a random session id in a cookie (HttpOnly,
// SameSite=Strict, Secure behind TLS) names a session kept in memory, with
// its form token against cross-site request forgery. The API key itself is
// checked once at sign-in and never stored. Sessions end after TTL, at
// sign-out, or when the service restarts.
type Sessions struct {
	mu   sync.Mutex
	byID map[[sha256.Size]byte]*session
	ttl  time.Duration
	now  func() time.Time
}

type session struct {
	csrf    string
	expires time.Time
}

// CookieName is the session cookie.
const CookieName = "provcheck_session"

// Session limits.
const (
	SessionTTL  = 12 * time.Hour
	maxSessions = 10000
)

// NewSessions returns an empty session store.
func NewSessions() *Sessions {
	return &Sessions{byID: map[[sha256.Size]byte]*session{}, ttl: SessionTTL, now: time.Now}
}

func token() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Start opens a session and sets its cookie.
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request) {
	id := token()
	now := s.now()
	s.mu.Lock()
	if len(s.byID) >= maxSessions {
		s.expire(now)
	}
	if len(s.byID) >= maxSessions { // still full: the oldest goes
		var oldest [sha256.Size]byte
		var at time.Time
		for k, v := range s.byID {
			if at.IsZero() || v.expires.Before(at) {
				oldest, at = k, v.expires
			}
		}
		delete(s.byID, oldest)
	}
	s.byID[sha256.Sum256([]byte(id))] = &session{csrf: token(), expires: now.Add(s.ttl)}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.ttl.Seconds())})
}

func (s *Sessions) expire(now time.Time) {
	for k, v := range s.byID {
		if now.After(v.expires) {
			delete(s.byID, k)
		}
	}
}

// Lookup returns the form token of the request's session, if it has one.
func (s *Sessions) Lookup(r *http.Request) (csrf string, ok bool) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return "", false
	}
	key := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[key]
	if !ok {
		return "", false
	}
	if s.now().After(ss.expires) {
		delete(s.byID, key)
		return "", false
	}
	return ss.csrf, true
}

// End closes the request's session and clears its cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		s.mu.Lock()
		delete(s.byID, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// ValidCSRF reports whether the form token sent matches the session's.
func ValidCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// SameOrigin reports whether a state-changing request comes from this
// site's own pages: a browser's Origin (or, without it, Referer) must name
// the host the request was sent to. Requests without either (not from a
// browser) pass; the session cookie (SameSite=Strict) and the form token
// protect them.
func SameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
}

// secure reports whether the request reached the service over TLS, itself
// or through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
