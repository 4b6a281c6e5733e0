package googleworkspace

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/saaspipe/saaspipe/extract"
)

// assignment is what the connector reads of a license assignment.
type assignment struct {
	UserID      string `json:"userId"`
	ProductID   string `json:"productId"`
	ProductName string `json:"productName"`
	SkuID       string `json:"skuId"`
	SkuName     string `json:"skuName"`
}

// eachAssignment lists the license assignments of every configured product.
func (c *Connector) eachAssignment(ctx context.Context, fn func(a assignment, rec json.RawMessage) error) error {
	for _, product := range c.products {
		q := url.Values{"customerId": {c.licCust}, "maxResults": {c.limit(maxLicenses)}}
		err := c.c.list(ctx, licenseListing, c.c.licensing, licensesPath+url.PathEscape(product)+"/users", q, func(p page) error {
			for i, rec := range p.records {
				var a assignment
				if err := json.Unmarshal(rec, &a); err != nil || a.UserID == "" || a.SkuID == "" {
					return fmt.Errorf("listing google license assignments of product %s: record %d has no userId or skuId", product, i)
				}
				if a.ProductID == "" {
					a.ProductID = product
				}
				if err := fn(a, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchLicenseAssignments emits one record per (product, SKU, user).
func (c *Connector) fetchLicenseAssignments(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	err := c.eachAssignment(ctx, func(a assignment, rec json.RawMessage) error {
		return sink.Emit(ctx, extract.Record{SourceID: a.ProductID + "/" + a.SkuID + "/" + a.UserID, Payload: rec})
	})
	return "", err
}

// sku is the subscription record the connector composes: Google reports no
// subscription object outside the Reseller API, so the SKU's identity and
// assigned count come from the license listing and purchased seats from the
// configuration. Kind marks it as composed, not received.
type sku struct {
	Kind             string `json:"kind"`
	ProductID        string `json:"productId"`
	ProductName      string `json:"productName,omitempty"`
	SkuID            string `json:"skuId"`
	SkuName          string `json:"skuName,omitempty"`
	AssignedLicenses int64  `json:"assignedLicenses"`
	PurchasedSeats   *int64 `json:"purchasedSeats"`
}

// SkuKind marks composed subscription records.
const SkuKind = "saaspipe#googleSku"

// fetchSubscriptions emits one record per SKU seen in the license listing
// or given in purchased_seats, source id "<productId>/<skuId>". A configured
// SKU without assignments has a product only when it is unambiguous, so its
// product id is the first configured product.
func (c *Connector) fetchSubscriptions(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	byID := map[string]*sku{}
	var order []string
	err := c.eachAssignment(ctx, func(a assignment, _ json.RawMessage) error {
		id := a.ProductID + "/" + a.SkuID
		s := byID[id]
		if s == nil {
			s = &sku{Kind: SkuKind, ProductID: a.ProductID, ProductName: a.ProductName, SkuID: a.SkuID, SkuName: a.SkuName}
			byID[id] = s
			order = append(order, id)
		}
		s.AssignedLicenses++
		return nil
	})
	if err != nil {
		return "", err
	}
	claimed := map[string]bool{}
	for _, id := range order {
		s := byID[id]
		if n, ok := c.seats[s.SkuID]; ok {
			s.PurchasedSeats = &n
			claimed[s.SkuID] = true
		}
	}
	var unassigned []string
	for skuID := range c.seats {
		if !claimed[skuID] {
			unassigned = append(unassigned, skuID)
		}
	}
	slices.Sort(unassigned)
	for _, skuID := range unassigned {
		n := c.seats[skuID]
		id := c.products[0] + "/" + skuID
		byID[id] = &sku{Kind: SkuKind, ProductID: c.products[0], SkuID: skuID, PurchasedSeats: &n}
		order = append(order, id)
	}
	slices.Sort(order)
	for _, id := range order {
		b, err := json.Marshal(byID[id])
		if err != nil {
			return "", fmt.Errorf("encoding google subscription %s: %w", id, err)
		}
		if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: b}); err != nil {
			return "", err
		}
	}
	return "", nil
}
