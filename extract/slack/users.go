package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// usersPage is one users.list answer with each member kept as sent.
type usersPage struct {
	Members  []json.RawMessage `json:"members"`
	Metadata struct {
		NextCursor string `json:"next_cursor"`
	} `json:"response_metadata"`
}

// decodeUsersPage parses a users.list body. A body without a members array
// is an error, because reading it as an empty page would end the listing
// silently; so is a member that is not an object with a string id.
func decodeUsersPage(body []byte) (usersPage, []string, error) {
	var p usersPage
	if err := json.Unmarshal(body, &p); err != nil {
		return p, nil, fmt.Errorf("decoding users.list page: %w", err)
	}
	if p.Members == nil {
		return p, nil, fmt.Errorf("decoding users.list page: no members array")
	}
	ids := make([]string, len(p.Members))
	for i, m := range p.Members {
		id, err := stringField(m, "id")
		if err != nil {
			return p, nil, fmt.Errorf("decoding users.list page: member %d: %w", i, err)
		}
		ids[i] = id
	}
	return p, ids, nil
}

// stringField reads the non-empty string field key of a JSON object.
func stringField(rec json.RawMessage, key string) (string, error) {
	if len(rec) == 0 || rec[0] != '{' {
		return "", fmt.Errorf("not a JSON object")
	}
	// rec is a slice of a page encoding/json has validated: read the one
	// member without decoding the record.
	v, ok := jsonpage.MemberString(rec, key)
	if !ok || v == "" {
		return "", fmt.Errorf("no string %q", key)
	}
	return v, nil
}

// fetchUsers verifies the team, then emits every member users.list returns:
// Slack keeps deleted members, guests and bots in the listing. A page may
// hold fewer members than asked for without being the last; only an empty
// next_cursor ends the listing.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	if err := c.verifyTeam(ctx); err != nil {
		return "", err
	}
	guard := httpx.PageGuard{}
	seen := map[string]bool{}
	cursor := ""
	for n := 1; ; n++ {
		q := url.Values{"limit": {c.limit(maxUsers)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var raw json.RawMessage
		if err := c.c.call(ctx, "users.list", q, &raw); err != nil {
			return "", fmt.Errorf("listing slack users page %d: %w", n, explain(err))
		}
		page, ids, err := decodeUsersPage(raw)
		if err != nil {
			return "", fmt.Errorf("listing slack users page %d: GET %s: %w", n, c.c.endpoint("users.list"), err)
		}
		for i, m := range page.Members {
			if seen[ids[i]] {
				continue
			}
			seen[ids[i]] = true
			if err := sink.Emit(ctx, extract.Record{SourceID: ids[i], Payload: m}); err != nil {
				return "", err
			}
		}
		cursor = page.Metadata.NextCursor
		if cursor == "" {
			return "", nil
		}
		if err := guard.Seen(cursor); err != nil {
			return "", fmt.Errorf("listing slack users at %s: %w", c.c.endpoint("users.list"), err)
		}
	}
}
