package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// client runs SOQL queries. It knows the API root, the API version and an
// authorised *http.Client, and nothing of the pipeline.
type client struct {
	http      *http.Client
	base      string // https://acme.my.salesforce.com, no trailing slash
	version   string // "62.0"
	batchSize int    // Sforce-Query-Options batchSize (0: Salesforce's default)
	log       *slog.Logger

	// metric reports the API usage to the run summary (may be nil).
	metric func(name, value string)

	mu    sync.Mutex
	usage apiUsage
}

// apiUsage is the last Sforce-Limit-Info api-usage=N/M seen.
type apiUsage struct {
	Used, Max int
	Known     bool
}

func (u apiUsage) String() string {
	if !u.Known {
		return "unknown"
	}
	return fmt.Sprintf("%d/%d", u.Used, u.Max)
}

var usageRE = regexp.MustCompile(`api-usage=(\d+)/(\d+)`)

// parseUsage reads api-usage=N/M from a Sforce-Limit-Info header value.
func parseUsage(h string) (apiUsage, bool) {
	m := usageRE.FindStringSubmatch(h)
	if m == nil {
		return apiUsage{}, false
	}
	used, err1 := strconv.Atoi(m[1])
	maxN, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return apiUsage{}, false
	}
	return apiUsage{Used: used, Max: maxN, Known: true}, true
}

func (c *client) observe(resp *http.Response) {
	if resp == nil {
		return
	}
	if u, ok := parseUsage(resp.Header.Get("Sforce-Limit-Info")); ok {
		c.mu.Lock()
		c.usage = u
		c.mu.Unlock()
		if c.metric != nil {
			c.metric("sforce_api_usage", u.String())
		}
	}
}

// Usage returns the last API usage Salesforce reported.
func (c *client) Usage() apiUsage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}

// queryPage is one page of a query result.
type queryPage struct {
	TotalSize      int               `json:"totalSize"`
	Done           *bool             `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// decodeQueryPage parses a query body, which must be valid JSON (GetJSON
// into a json.RawMessage checks it): the records and fields are read as
// slices of it (jsonpage) instead of decoding the page again. A body
// without done or a records array is an error; so is done=false without a
// nextRecordsUrl, which would end the listing silently, and a record
// without an Id.
func decodeQueryPage(body []byte) (queryPage, []string, error) {
	var p queryPage
	// One pass over the page for its members, one over the records for
	// their Ids.
	var m [4][]byte
	jsonpage.Members(body, []string{"done", "records", "nextRecordsUrl", "totalSize"}, m[:])
	done, recs := m[0], m[1]
	var elems, idVals [][]byte
	okRecs := recs != nil
	if okRecs {
		elems, idVals, okRecs = jsonpage.ElementMembers(recs, []string{"Id"})
	}
	if done == nil || !okRecs || (string(done) != "true" && string(done) != "false") {
		return p, nil, errors.New("decoding query page: no done flag or records array")
	}
	d := string(done) == "true"
	p.Done = &d
	p.NextRecordsURL, _ = jsonpage.String(m[2])
	if m[3] != nil {
		p.TotalSize, _ = strconv.Atoi(string(m[3]))
	}
	if !d && p.NextRecordsURL == "" {
		return p, nil, errors.New("decoding query page: done is false but there is no nextRecordsUrl")
	}
	p.Records = make([]json.RawMessage, len(elems))
	ids := make([]string, len(elems))
	for i, r := range elems {
		id, ok := jsonpage.String(idVals[i])
		if !ok || id == "" {
			return p, nil, fmt.Errorf("decoding query page: record %d has no Id", i)
		}
		p.Records[i], ids[i] = r, id
	}
	return p, ids, nil
}

// query runs soql and hands each page's records and ids to fn, following
// nextRecordsUrl while done is false. what names the query in errors.
func (c *client) query(ctx context.Context, what, soql string, fn func(recs []json.RawMessage, ids []string) error) error {
	u := c.base + "/services/data/v" + c.version + "/query?" + url.Values{"q": {soql}}.Encode()
	var hdr http.Header
	if c.batchSize > 0 {
		hdr = http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(c.batchSize)}}
	}
	guard := httpx.PageGuard{}
	for n := 1; ; n++ {
		var raw json.RawMessage
		resp, err := httpx.GetJSON(ctx, c.http, u, hdr, &raw)
		c.observe(resp)
		if err != nil {
			return fmt.Errorf("querying salesforce %s page %d: %w", what, n, c.explain(err))
		}
		p, ids, err := decodeQueryPage(raw)
		if err != nil {
			return fmt.Errorf("querying salesforce %s page %d: GET %s: %w", what, n, httpx.Endpoint(u), err)
		}
		err = fn(p.Records, ids)
		httpx.Release(raw) // the records are emitted; the rest is decoded
		if err != nil {
			return fmt.Errorf("%w (page %d: GET %s)", err, n, httpx.Endpoint(u))
		}
		if *p.Done {
			c.log.Info("salesforce api usage", "query", what, "api_usage", c.Usage().String())
			return nil
		}
		next, err := c.resolve(p.NextRecordsURL)
		if err != nil {
			return fmt.Errorf("querying salesforce %s page %d: %w", what, n, err)
		}
		if err := guard.Seen(next); err != nil {
			return fmt.Errorf("querying salesforce %s at %s: %w", what, httpx.Endpoint(next), err)
		}
		u = next
	}
}

// resolve turns a nextRecordsUrl (a path on the instance) into a URL on the
// API root; anything pointing elsewhere is refused, so a token never
// travels to another host.
func (c *client) resolve(next string) (string, error) {
	ref, err := url.Parse(next)
	if err != nil || ref.IsAbs() || ref.Host != "" || !strings.HasPrefix(ref.Path, "/services/data/") {
		return "", errors.New("nextRecordsUrl is not a /services/data/ path on the instance")
	}
	return c.base + ref.String(), nil
}

// explain adds what an operator should do about errors with a known cause.
// The API error names salesforce, the endpoint without query and the code,
// never the token.
func (c *client) explain(err error) error {
	var ae *httpx.APIError
	switch {
	case httpx.HasCode(err, "REQUEST_LIMIT_EXCEEDED") && errors.As(err, &ae) && strings.Contains(ae.Body, "ConcurrentPerOrgLongTxn"):
		// The same code also reports too many long-running requests at once,
		// which is not the daily allocation.
		return fmt.Errorf("the org has too many long-running requests at once (ConcurrentPerOrgLongTxn); not retrying: run again later: %w", err)
	case httpx.HasCode(err, "REQUEST_LIMIT_EXCEEDED"):
		return fmt.Errorf("the org's daily API request allocation is spent (api-usage %s); not retrying: run again once the rolling 24-hour window frees requests, or raise the allocation: %w", c.Usage(), err)
	case httpx.HasStatus(err, http.StatusUnauthorized):
		return fmt.Errorf("salesforce rejected the session (check the connected app's credentials and that it may use the API): %w", err)
	case httpx.HasCode(err, "INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY") || httpx.HasStatus(err, http.StatusForbidden):
		return fmt.Errorf("the integration user lacks permission (API Enabled and View Setup and Configuration needed): %w", err)
	case httpx.HasCode(err, "INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY"):
		return fmt.Errorf("the org rejected the query (an older api_version, or an edition without this object): %w", err)
	}
	return err
}
