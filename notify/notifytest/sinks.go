// Package notifytest holds test-only sinks for notifications: group bots
// acting as 企业微信 and 钉钉 (httptest servers) and an SMTP server on
// 127.0.0.1. Nothing in the service imports it.
package notifytest

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is what a bot received.
type Message struct {
	Title, Text string
}

// Bot is a local group bot. Fail makes it answer the next N posts with
// HTTP 500.
type Bot struct {
	*httptest.Server
	Kind, Secret string
	t            testing.TB

	mu       sync.Mutex
	messages []Message
	fail     int
	rejected []string
}

// URL is the bot's webhook address, with its access token.
func (b *Bot) WebhookURL() string {
	if b.Kind == "dingtalk" {
		return b.URL + "/robot/send?access_token=tok-dingtalk"
	}
	return b.URL + "/cgi-bin/webhook/send?key=tok-wecom"
}

// Fail makes the next n posts fail with HTTP 500.
func (b *Bot) Fail(n int) {
	b.mu.Lock()
	b.fail = n
	b.mu.Unlock()
}

// Messages returns what the bot received and accepted.
func (b *Bot) Messages() []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.messages...)
}

// Rejected returns why posts were refused (bad sign, bad body).
func (b *Bot) Rejected() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.rejected...)
}

// NewWeCom starts a 企业微信 group bot.
func NewWeCom(t testing.TB) *Bot { return newBot(t, "wecom", "") }

// NewDingTalk starts a 钉钉 group bot with 加签 secret: it checks the
// timestamp (within an hour of now) and sign as 钉钉 does.
func NewDingTalk(t testing.TB, secret string) *Bot { return newBot(t, "dingtalk", secret) }

func newBot(t testing.TB, kind, secret string) *Bot {
	b := &Bot{Kind: kind, Secret: secret, t: t}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *Bot) refuse(w http.ResponseWriter, code int, msg string) {
	b.rejected = append(b.rejected, msg)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"errcode": code, "errmsg": msg})
}

func (b *Bot) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail > 0 {
		b.fail--
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		b.refuse(w, 40008, "not a JSON POST")
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
			Title   string `json:"title"`
			Text    string `json:"text"`
		} `json:"markdown"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.MsgType != "markdown" {
		b.refuse(w, 40008, "invalid message type")
		return
	}
	q := r.URL.Query()
	switch b.Kind {
	case "wecom":
		if q.Get("key") != "tok-wecom" || body.Markdown.Content == "" || len(body.Markdown.Content) > 4096 {
			b.refuse(w, 93000, "invalid webhook key or content")
			return
		}
		b.messages = append(b.messages, Message{Text: body.Markdown.Content})
	case "dingtalk":
		if q.Get("access_token") != "tok-dingtalk" {
			b.refuse(w, 300001, "token is not exist")
			return
		}
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
			b.refuse(w, 310000, "invalid timestamp")
			return
		}
		m := hmac.New(sha256.New, []byte(b.Secret))
		m.Write([]byte(ts + "\n" + b.Secret))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		// The sign must arrive URL-encoded (its + / = escaped), as 钉钉 documents.
		if q.Get("sign") != want || !strings.Contains(r.URL.RawQuery, "sign="+urlEscape(want)) {
			b.refuse(w, 310000, "sign not match")
			return
		}
		if body.Markdown.Title == "" || body.Markdown.Text == "" {
			b.refuse(w, 40035, "missing title or text")
			return
		}
		b.messages = append(b.messages, Message{Title: body.Markdown.Title, Text: body.Markdown.Text})
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func urlEscape(s string) string {
	r := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D")
	return r.Replace(s)
}

// Mail is a message the SMTP sink received, its subject and body decoded.
type Mail struct {
	From    string
	To      []string
	Raw     string
	Subject string
	Body    string
}

// SMTPSink is a small SMTP server on 127.0.0.1 (EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT; no TLS, no AUTH).
type SMTPSink struct {
	Addr string
	ln   net.Listener
	t    testing.TB

	mu    sync.Mutex
	mails []Mail
	down  bool
}

// NewSMTP starts an SMTP sink.
func NewSMTP(t testing.TB) *SMTPSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), ln: ln, t: t}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

// Down makes the sink answer 421 (service not available) to new sessions.
func (s *SMTPSink) Down(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Mails returns the mails received.
func (s *SMTPSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

func (s *SMTPSink) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(c)
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		tp.PrintfLine("421 sink not available")
		return
	}
	tp.PrintfLine("220 sink ESMTP")
	var m Mail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			tp.PrintfLine("250-sink greets %s", arg)
			tp.PrintfLine("250 8BITMIME")
		case "HELO", "NOOP":
			tp.PrintfLine("250 ok")
		case "RSET":
			m = Mail{}
			tp.PrintfLine("250 ok")
		case "MAIL":
			m.From = addr(arg)
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.To = append(m.To, addr(arg))
			tp.PrintfLine("250 ok")
		case "DATA":
			if m.From == "" || len(m.To) == 0 {
				tp.PrintfLine("503 need MAIL and RCPT")
				continue
			}
			tp.PrintfLine("354 go ahead")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.Raw = string(raw)
			if msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(m.Raw))); err == nil {
				m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
				b, _ := io.ReadAll(msg.Body)
				if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
					dec, _ := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
					b = dec
				}
				m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
			}
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			m = Mail{}
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

// addr takes the address out of "FROM:<a@b>" or "TO:<a@b>".
func addr(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "<>")
}
