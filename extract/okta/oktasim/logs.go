package oktasim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Event types the simulator logs.
const (
	EventSessionStart = "user.session.start"
	EventSSO          = "user.authentication.sso"
)

// logKey orders events: by published time, then uuid. A cursor means
// "events strictly after this key" (ASCENDING) or "strictly before"
// (DESCENDING).
type logKey struct {
	t  time.Time
	id string
}

func (k logKey) less(t time.Time, id string) bool {
	return k.t.Before(t) || k.t.Equal(t) && k.id < id
}

func encodeCursor(k logKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k.t.UnixMilli(), 10) + "." + k.id))
}

func decodeCursor(s string) (logKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return logKey{}, err
	}
	ms, id, ok := strings.Cut(string(b), ".")
	if !ok {
		return logKey{}, fmt.Errorf("cursor has no separator")
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return logKey{}, err
	}
	return logKey{t: time.UnixMilli(n).UTC(), id: id}, nil
}

var eventTypeExpr = regexp.MustCompile(`^\s*eventType\s+eq\s+"([a-z_.]+)"\s*$`)

func eventTypeFilter(expr string) (map[string]bool, bool) {
	want := map[string]bool{}
	for _, part := range strings.Split(expr, " or ") {
		m := eventTypeExpr.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		want[m[1]] = true
	}
	return want, true
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err
}

// served reports whether the simulated org logs e (sign-ins to apps not
// federated through Okta never reach its System Log) and its event type.
func (s *Server) served(e synth.Event) (string, bool) {
	if e.Kind == synth.SessionStart {
		return EventSessionStart, s.data.byPerson[e.Person] >= 0
	}
	return EventSSO, s.data.appByIdx[e.App] >= 0 && s.data.byPerson[e.Person] >= 0
}

// listLogs serves GET /api/v1/logs. A bounded query (until given) ends
// without a next link; a polling query (no until, ASCENDING) always has one,
// so a client can resume from it later.
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request, q url.Values) bool {
	s.checkParams(r, "since", "until", "limit", "after", "sortOrder", "filter")
	bad := func(what string) bool {
		s.flag("GET /api/v1/logs: %s", what)
		writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: "+what)
		return false
	}
	now := s.opts.Clock().UTC()
	limit, err := limitParam(q, 100, 1000)
	if err != nil {
		return bad("limit")
	}
	until, polling := now, true
	if v := q.Get("until"); v != "" {
		if until, err = parseTime(v); err != nil {
			return bad("until " + strconv.Quote(v))
		}
		polling = false
		if until.After(now) {
			until = now.Add(time.Millisecond)
		}
	}
	since := until.Add(-7 * 24 * time.Hour)
	if v := q.Get("since"); v != "" {
		if since, err = parseTime(v); err != nil {
			return bad("since " + strconv.Quote(v))
		}
	}
	var types map[string]bool
	if v := q.Get("filter"); v != "" {
		var ok bool
		if types, ok = eventTypeFilter(v); !ok {
			return bad("unsupported filter " + strconv.Quote(v))
		}
	}
	descending := false
	switch q.Get("sortOrder") {
	case "", "ASCENDING":
	case "DESCENDING":
		descending, polling = true, false
	default:
		return bad("sortOrder")
	}
	var cursor *logKey
	if v := q.Get("after"); v != "" {
		k, err := decodeCursor(v)
		if err != nil {
			return bad("after cursor")
		}
		cursor = &k
	}
	keep := func(e synth.Event) (string, bool) {
		et, ok := s.served(e)
		return et, ok && (types == nil || types[et])
	}
	type item struct {
		e  synth.Event
		et string
	}
	var got []item
	if !descending {
		from := since
		if cursor != nil && cursor.t.After(from) {
			from = cursor.t
		}
		for e := range s.data.org.Events(from, until) {
			if cursor != nil && !cursor.less(e.Time, e.ID) {
				continue
			}
			if et, ok := keep(e); ok {
				got = append(got, item{e, et})
				if len(got) > limit {
					break
				}
			}
		}
	} else {
		to := until
		if cursor != nil && cursor.t.Add(time.Millisecond).Before(to) {
			to = cursor.t.Add(time.Millisecond)
		}
		var all []item
		for e := range s.data.org.Events(since, to) {
			if cursor != nil && !(logKey{e.Time, e.ID}).less(cursor.t, cursor.id) {
				continue
			}
			if et, ok := keep(e); ok {
				all = append(all, item{e, et})
			}
		}
		slices.Reverse(all)
		got = all[:min(len(all), limit+1)]
	}
	more := len(got) > limit
	got = got[:min(len(got), limit)]
	next := ""
	switch {
	case len(got) > 0 && (more || polling):
		last := got[len(got)-1].e
		next = encodeCursor(logKey{last.Time, last.ID})
	case polling && cursor != nil:
		next = q.Get("after")
	case polling:
		next = encodeCursor(logKey{t: since})
	}
	body := simulate.PageBuffer(2 + len(got)*2600)
	body = append(body, '[')
	for k, it := range got {
		if k > 0 {
			body = append(body, ',')
		}
		body = s.appendEvent(body, it.e, it.et)
	}
	body = append(body, ']')
	s.pageBytes(w, r, body, next)
	simulate.PutPageBuffer(body)
	return true
}

var cityGeo = map[string][4]string{
	"New York":      {"New York", "United States", "40.7128", "-74.0060"},
	"San Francisco": {"California", "United States", "37.7749", "-122.4194"},
	"Austin":        {"Texas", "United States", "30.2672", "-97.7431"},
	"London":        {"England", "United Kingdom", "51.5072", "-0.1276"},
	"Manchester":    {"England", "United Kingdom", "53.4808", "-2.2426"},
	"Berlin":        {"Berlin", "Germany", "52.5200", "13.4050"},
	"Toronto":       {"Ontario", "Canada", "43.6532", "-79.3832"},
	"Bangalore":     {"Karnataka", "India", "12.9716", "77.5946"},
}

const userAgentJSON = `{"browser":"CHROME","os":"Mac OS X","rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36"}`

// appendGeo appends the geographicalContext object of city.
func appendGeo(b []byte, city string) []byte {
	geo := cityGeo[city]
	lat, _ := strconv.ParseFloat(geo[2], 64)
	lon, _ := strconv.ParseFloat(geo[3], 64)
	b = append(b, `{"city":`...)
	b = simulate.AppendString(b, city)
	b = append(b, `,"country":`...)
	b = simulate.AppendString(b, geo[1])
	b = append(b, `,"geolocation":{"lat":`...)
	b = simulate.AppendFloat(b, lat)
	b = append(b, `,"lon":`...)
	b = simulate.AppendFloat(b, lon)
	b = append(b, `},"postalCode":null,"state":`...)
	b = simulate.AppendString(b, geo[0])
	return append(b, '}')
}

// appendEvent appends e as a System Log event of type et, with the keys
// of every object in sorted order, as encoding/json writes Okta's event
// shape (TestEventEncoding holds it to that).
func (s *Server) appendEvent(b []byte, e synth.Event, et string) []byte {
	org := s.data.org
	p := &org.People[e.Person]
	u := &s.data.users[s.data.byPerson[e.Person]]
	var ipb [24]byte
	ip := strconv.AppendInt(append(ipb[:0], "198.51.100."...), int64(1+e.Person%250), 10)
	var geob [256]byte
	geo := appendGeo(geob[:0], p.Location.City)
	day := synth.Day(e.Time).Format("20060102")
	session := "idx" + oktaID(org.Params.Seed, "ses", e.Person)[3:] + day
	reqID := strings.ReplaceAll(e.ID, "-", "")
	sso := et != EventSessionStart
	var a app
	var c synth.App
	if sso {
		a = s.data.apps[s.data.appByIdx[e.App]]
		c = org.Apps()[e.App]
	}

	b = append(b, `{"actor":{"alternateId":`...)
	b = simulate.AppendString(b, p.Email)
	b = append(b, `,"detailEntry":null,"displayName":`...)
	b = simulate.AppendString(b, p.DisplayName)
	b = append(b, `,"id":`...)
	b = simulate.AppendString(b, u.id)
	b = append(b, `,"type":"User"},"authenticationContext":{"authenticationProvider":null,"authenticationStep":0,"credentialProvider":null,"credentialType":null,"externalSessionId":`...)
	b = simulate.AppendString(b, session)
	b = append(b, `,"interface":null,"issuer":null,"rootSessionId":`...)
	b = simulate.AppendString(b, session)
	b = append(b, `},"client":{"device":"Computer","geographicalContext":`...)
	b = append(b, geo...)
	b = append(b, `,"id":null,"ipAddress":"`...)
	b = append(b, ip...)
	b = append(b, `","userAgent":`...)
	b = append(b, userAgentJSON...)
	b = append(b, `,"zone":null},"debugContext":{"debugData":{"requestId":`...)
	b = simulate.AppendString(b, reqID)
	uri := "/idp/idx/identify"
	if sso {
		uri = "/app/" + c.OktaName + "/" + a.id + "/sso/saml"
	}
	b = append(b, `,"requestUri":`...)
	b = simulate.AppendString(b, uri)
	b = append(b, `,"url":`...)
	b = simulate.AppendString(b, uri)
	if sso {
		b = append(b, `}},"displayMessage":"User single sign on to app","eventType":`...)
	} else {
		b = append(b, `}},"displayMessage":"User login to Okta","eventType":`...)
	}
	b = simulate.AppendString(b, et)
	if sso {
		b = append(b, `,"legacyEventType":"app.auth.sso"`...)
	} else {
		b = append(b, `,"legacyEventType":"core.user_auth.login_success"`...)
	}
	b = append(b, `,"outcome":{"reason":null,"result":"SUCCESS"},"published":`...)
	b = appendTime(b, e.Time)
	b = append(b, `,"request":{"ipChain":[{"geographicalContext":`...)
	b = append(b, geo...)
	b = append(b, `,"ip":"`...)
	b = append(b, ip...)
	b = append(b, `","source":null,"version":"V4"}]},"securityContext":{"asNumber":64496,"asOrg":"acme corp","domain":null,"isProxy":false,"isp":"example transit"},"severity":"INFO","target":[`...)
	if sso {
		b = append(b, `{"alternateId":`...)
		b = simulate.AppendString(b, c.Name)
		b = append(b, `,"detailEntry":{"signOnModeType":`...)
		b = simulate.AppendString(b, string(c.SignOnMode))
		b = append(b, `},"displayName":`...)
		b = simulate.AppendString(b, c.Name)
		b = append(b, `,"id":`...)
		b = simulate.AppendString(b, a.id)
		b = append(b, `,"type":"AppInstance"},{"alternateId":`...)
		b = simulate.AppendString(b, p.Email)
		b = append(b, `,"detailEntry":null,"displayName":`...)
		b = simulate.AppendString(b, p.DisplayName)
		b = append(b, `,"id":`...)
		b = simulate.AppendString(b, "0ua"+u.id[3:])
		b = append(b, `,"type":"AppUser"}`...)
	} else {
		b = append(b, `{"alternateId":"unknown","detailEntry":null,"displayName":"Password","id":`...)
		b = simulate.AppendString(b, "lae"+u.id[3:])
		b = append(b, `,"type":"AuthenticatorEnrollment"}`...)
	}
	b = append(b, `],"transaction":{"detail":{},"id":`...)
	b = simulate.AppendString(b, reqID)
	b = append(b, `,"type":"WEB"},"uuid":`...)
	b = simulate.AppendString(b, e.ID)
	return append(b, `,"version":0}`...)
}
