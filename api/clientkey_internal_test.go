package api

import "testing"

// TestClientKey: an IPv6 client is limited by its /64, so that the
// addresses of one subscriber share one quota; IPv4 by its address.
func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		"2001:db8:1:2:aaaa::1":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:1:2:3": "2001:db8:1:2::/64",
		"::ffff:203.0.113.7":      "::ffff:203.0.113.7",
		"not an address":          "not an address",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
