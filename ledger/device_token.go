package ledger

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// Device tokens (OWASP's "device cookies"): a right password gives the
// client a token signed by the service and bound to the account. A later
// attempt at that account carrying a valid token is judged only by the
// token's own gate (GateDevice), never by the address and account gates a
// stranger can fill: an attacker who keeps every other gate closed from a
// thousand addresses does not keep the real user out of their account. An
// attempt without a token (a new browser, a wiped cookie) passes the three
// gates as before: slowed by a growing delay, never locked for good.
//
// A token is base64url(nonce ‖ expiry ‖ HMAC-SHA256(key, account ‖ nonce ‖
// expiry)); the service keeps nothing but its key, so a stolen token only
// gives its thief the token's own gate, and an unlock by an admin reopens it.

// GateDevice is the gate of an attempt with a valid device token: the
// holder's own mistakes, and a thief's guesses, are spaced out like an
// address's guesses at one account.
var GateDevice = GatePolicy{Free: 5, MaxShift: 10, BaseMs: 1000, CapMs: 15 * 60 * 1000, ForgetMs: 60 * 60 * 1000}

// DeviceTTL is how long a device token is valid; each login gives a new one.
const DeviceTTL = 90 * 24 * time.Hour

const deviceNonceLen, deviceMACLen = 16, 32

// DeviceKey derives the key that signs device tokens from a service secret
// (serve uses the master key): HMAC-SHA256 of a fixed label, so the secret
// itself never signs anything a client holds.
func DeviceKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("sunshine device token key v1"))
	return m.Sum(nil)
}

var processDeviceKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
})

// deviceKey is Auth.DeviceKey, or a random key of this process (tokens
// then last until the process ends: tools and tests).
func (a *Auth) deviceKey() []byte {
	if len(a.DeviceKey) > 0 {
		return a.DeviceKey
	}
	return processDeviceKey()
}

func deviceMAC(key []byte, username string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sunshine device token\x00" + strings.ToLower(username) + "\x00"))
	m.Write(body)
	return m.Sum(nil)
}

// newDeviceToken issues a token for the account, valid DeviceTTL from now.
func (a *Auth) newDeviceToken(username string, now time.Time) (string, error) {
	body := make([]byte, deviceNonceLen+8, deviceNonceLen+8+deviceMACLen)
	if _, err := rand.Read(body[:deviceNonceLen]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint64(body[deviceNonceLen:], uint64(now.Add(DeviceTTL).Unix()))
	return base64.RawURLEncoding.EncodeToString(append(body, deviceMAC(a.deviceKey(), username, body)...)), nil
}

// deviceNonce returns the nonce of a token that is valid for the account
// now, or "" (no token, a malformed or expired one, another account's, one
// signed with another key).
func (a *Auth) deviceNonce(token, username string, now time.Time) string {
	if token == "" || len(token) > 200 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != deviceNonceLen+8+deviceMACLen {
		return ""
	}
	body, mac := raw[:deviceNonceLen+8], raw[deviceNonceLen+8:]
	if !hmac.Equal(mac, deviceMAC(a.deviceKey(), username, body)) {
		return ""
	}
	if exp := int64(binary.BigEndian.Uint64(body[deviceNonceLen:])); now.Unix() >= exp {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(body[:deviceNonceLen])
}

func deviceGateKey(username, nonce string) string {
	return gateKey("device", strings.ToLower(username), nonce)
}

// admitDevice passes an attempt with a valid device token through its own
// gate only (keyed by the account and the token's nonce; an admin's unlock
// clears it with the account's other gates).
func (a *Auth) admitDevice(ctx context.Context, username, nonce string) (bool, error) {
	return a.Accounts.Gate(ctx, deviceGateKey(username, nonce), accountKey(username), a.Now().UnixMilli(), GateDevice)
}

// LoginAttempt is one login: the username and password, the client's
// address (its rate-limit key) and the device token the client holds
// ("" for none).
type LoginAttempt struct {
	Username, Password, Addr, Device string
}

// LoginResult is a successful login: the bearer token (shown once, stored
// hashed), its session, the user and a new device token for the client to
// keep and send with its next login.
type LoginResult struct {
	Token   string
	Session Session
	User    User
	Device  string
}
