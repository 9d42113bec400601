package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// keyring holds the SHA-256 of each accepted API key. Presented keys are
// hashed and compared with every accepted one in constant time, so neither
// the comparison nor the key's length shows in the response time.
type keyring struct {
	sums [][sha256.Size]byte
}

func newKeyring(keys []string) keyring {
	var k keyring
	for _, key := range keys {
		k.sums = append(k.sums, sha256.Sum256([]byte(key)))
	}
	return k
}

// access is who may call a route.
type access int

const (
	public access = iota // anyone
	reader               // anyone when reads are open, else a key holder
	writer               // a key holder
)

// authorize checks the request's bearer token: nil, or a 401 (no token) or
// 403 (a token that is not an accepted key) error.
func (k keyring) authorize(r *http.Request) error {
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		if len(k.sums) == 0 {
			return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized",
				Msg: "this server accepts no API keys, so registry writes are disabled"}
		}
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized",
			Msg: `this request needs an API key: send "Authorization: Bearer <key>"`}
	}
	sum := sha256.Sum256([]byte(token))
	match := 0
	for i := range k.sums {
		match |= subtle.ConstantTimeCompare(sum[:], k.sums[i][:])
	}
	if match != 1 {
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Msg: "the API key is not accepted"}
	}
	return nil
}

// accepts reports whether token is an accepted key (in constant time).
func (k keyring) accepts(token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	match := 0
	for i := range k.sums {
		match |= subtle.ConstantTimeCompare(sum[:], k.sums[i][:])
	}
	return match == 1
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
