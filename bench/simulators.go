package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/salesforce"
	"github.com/saaspipe/saaspipe/extract/salesforce/sfsim"
	"github.com/saaspipe/saaspipe/synth"
)

// simWant is what a simulator alone must serve: a quarter of the staging
// target, so that four connectors extracting at once are never held back
// by their simulators.
const simWant = 200_000 / 4

// lightClient fetches pages the cheapest way a client can: each body read
// into one reused buffer and split into its records without decoding them.
// What it measures is the simulator.
type lightClient struct {
	buf     bytes.Buffer
	pages   int
	records int
}

// get fetches u and returns the body (valid until the next get) and the
// response.
func (c *lightClient) get(ctx context.Context, u string, hdr http.Header) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	c.buf.Reset()
	if _, err := io.Copy(&c.buf, resp.Body); err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s: %.200s", httpx.Endpoint(u), resp.Status, c.buf.Bytes())
	}
	c.pages++
	return c.buf.Bytes(), resp, nil
}

// count adds the elements of the array arr.
func (c *lightClient) count(arr []byte) error {
	recs, ok := jsonpage.Elements(arr)
	if !ok {
		return fmt.Errorf("page is not an array: %.200s", arr)
	}
	c.records += len(recs)
	return nil
}

func (c *lightClient) row(name string, start time.Time) row {
	rate := float64(c.records) / time.Since(start).Seconds()
	return row{"simulator alone: " + name, fmt.Sprintf("%.0f records/s (%d records, %d pages)", rate, c.records, c.pages),
		fmt.Sprintf(">= %d", simWant), rate >= simWant}
}

// benchSimulator times each simulator the end-to-end run leans on hardest,
// alone, on a 20,000-person organisation: Okta's users and System Log,
// Salesforce's users and LoginHistory.
func benchSimulator(ctx context.Context) ([]row, error) {
	org := synth.Generate(synth.Params{Seed: 6, People: 20_000, Date: epoch, Epoch: epoch})
	var rows []row

	okta := oktasim.New(org, oktasim.Options{})
	base, err := okta.Start()
	if err != nil {
		return nil, err
	}
	defer okta.Close()
	hdr := http.Header{"Authorization": {"SSWS " + okta.Token()}}
	listOkta := func(name, first string) error {
		var c lightClient
		start := time.Now()
		for u := first; u != ""; {
			body, resp, err := c.get(ctx, u, hdr)
			if err != nil {
				return err
			}
			if err := c.count(body); err != nil {
				return err
			}
			u = httpx.NextURL(resp)
		}
		rows = append(rows, c.row(name, start))
		return nil
	}
	if err := listOkta("okta users", base+"/api/v1/users?limit=200"); err != nil {
		return nil, err
	}
	end := org.End()
	logs := url.Values{"since": {end.AddDate(0, 0, -7).Format(time.RFC3339)}, "until": {end.Format(time.RFC3339)},
		"sortOrder": {"ASCENDING"}, "limit": {"1000"}}
	if err := listOkta("okta system log (7 days)", base+"/api/v1/logs?"+logs.Encode()); err != nil {
		return nil, err
	}

	sf := sfsim.New(org, sfsim.Options{DailyLimit: 1_000_000})
	sfBase, err := sf.Start()
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	app := sf.App()
	resp, err := http.PostForm(sfBase+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	if err != nil {
		return nil, err
	}
	tokBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok, ok := jsonpage.MemberString(tokBody, "access_token")
	if !ok {
		return nil, fmt.Errorf("salesforce simulator token: %.200s", tokBody)
	}
	sfHdr := http.Header{"Authorization": {"Bearer " + tok}}
	var c lightClient
	start := time.Now()
	soql := []string{salesforce.UsersSOQL, fmt.Sprintf(salesforce.LoginHistorySOQL,
		end.AddDate(0, 0, -30).Format("2006-01-02T15:04:05Z"), end.Format("2006-01-02T15:04:05Z"))}
	for _, q := range soql {
		for u := sfBase + "/services/data/v62.0/query?q=" + url.QueryEscape(q); u != ""; {
			body, _, err := c.get(ctx, u, sfHdr)
			if err != nil {
				return nil, err
			}
			recs, _ := jsonpage.Member(body, "records")
			if err := c.count(recs); err != nil {
				return nil, err
			}
			u = ""
			if next, ok := jsonpage.MemberString(body, "nextRecordsUrl"); ok && next != "" {
				u = sfBase + next
			}
		}
	}
	rows = append(rows, c.row("salesforce users + LoginHistory (30 days)", start))
	return rows, nil
}
