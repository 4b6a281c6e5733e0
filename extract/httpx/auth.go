package httpx

import (
	"context"
	"errors"
	"net/http"
)

// errNoRefresh is what static credentials answer to Refresh: there is no
// other token to try, so the 401 is final.
var errNoRefresh = errors.New("static credentials cannot be refreshed")

// StaticHeader authorises every request with one fixed header, e.g. Okta's
// StaticHeader("Authorization", "SSWS "+token). Refresh always fails.
func StaticHeader(name, value string) Authorizer {
	return staticHeader{name: http.CanonicalHeaderKey(name), value: value}
}

// Bearer authorises with "Authorization: Bearer <token>". Refresh always fails.
func Bearer(token string) Authorizer {
	return StaticHeader("Authorization", "Bearer "+token)
}

type staticHeader struct{ name, value string }

func (s staticHeader) Authorize(req *http.Request) error {
	req.Header.Set(s.name, s.value)
	return nil
}

func (staticHeader) Refresh(context.Context) error { return errNoRefresh }
