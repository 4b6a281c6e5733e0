package ldap

import "github.com/saaspipe/saaspipe/extract"

// UserPages reports how many pages the connector's last users listing
// took.
func UserPages(c extract.Connector) int { return int(c.(*Connector).userPages.Load()) }
