package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds of a send.
const (
	SendTimeout  = 10 * time.Second
	maxReplySize = 64 << 10 // a bot's answer
	// maxContent bounds a message (企业微信 takes 4096 bytes of markdown,
	// 钉钉 20000): longer messages are cut with a note.
	maxContent = 4000
)

// Clip cuts a message to at most maxContent bytes on a line boundary.
func Clip(s string) string {
	if len(s) <= maxContent {
		return s
	}
	cut := strings.LastIndex(s[:maxContent-100], "\n")
	if cut < 0 {
		cut = maxContent - 100
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "\n……（内容较多，请登录查看）"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// noRedirects is the default client: a bot's answer is final (a redirect
// would carry the message elsewhere).
var noRedirects = &http.Client{Timeout: SendTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// DingTalkSign returns the timestamp and sign query values of a 钉钉 bot
// with 加签: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)),
// timestamp in milliseconds.
func DingTalkSign(secret string, now time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(now.UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SendWebhook posts a markdown message to a group bot and checks its answer
// (HTTP 2xx and errcode 0). Errors never carry the URL (its token) or the
// secret.
func SendWebhook(ctx context.Context, client *http.Client, w Webhook, title, text string, now time.Time) error {
	var body any
	target := w.URL
	switch w.Kind {
	case KindWeCom:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": text}}
	case KindDingTalk:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": title, "text": text}}
		u, err := url.Parse(w.URL)
		if err != nil {
			return errors.New("地址无效")
		}
		q := u.Query()
		ts, sign := DingTalkSign(w.Secret, now)
		q.Set("timestamp", ts)
		q.Set("sign", sign)
		u.RawQuery = q.Encode()
		target = u.String()
	default:
		return fmt.Errorf("未知的机器人类型 %q", w.Kind)
	}
	raw, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return errors.New("地址无效")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if client == nil {
		client = noRedirects
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text carries the URL and so the token
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%d 秒内无应答", int(SendTimeout/time.Second))
		}
		return fmt.Errorf("无法连接：%v", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplySize))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("对方返回 HTTP %d", resp.StatusCode)
	}
	var ans struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(reply, &ans); err != nil || ans.ErrCode == nil {
		return errors.New("对方的应答不是机器人接口的格式")
	}
	if *ans.ErrCode != 0 {
		msg := ans.ErrMsg
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("对方返回错误码 %d（%s）", *ans.ErrCode, msg)
	}
	return nil
}

// SendMail sends a plain-text UTF-8 message by SMTP: STARTTLS when the
// server offers it, PLAIN auth when a username is set (net/smtp refuses it
// without TLS except to localhost), the whole exchange bounded by
// SendTimeout.
func SendMail(ctx context.Context, s SMTP, to, subject, body string, now time.Time) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return errors.New("邮件服务器地址无效")
	}
	deadline := time.Now().Add(SendTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("无法连接邮件服务器：%v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("邮件服务器应答异常：%v", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("邮件服务器 STARTTLS 失败：%v", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("邮件服务器登录失败：%v", err)
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return errors.New("发件人地址无效")
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return errors.New("收件人地址无效")
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("邮件服务器拒绝发件人：%v", err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		return fmt.Errorf("邮件服务器拒绝收件人：%v", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("邮件服务器拒绝邮件：%v", err)
	}
	if _, err := w.Write(mailMessage(s.From, to, subject, body, now)); err != nil {
		return fmt.Errorf("发送邮件失败：%v", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("邮件服务器拒绝邮件：%v", err)
	}
	return c.Quit()
}

// mailMessage is an RFC 5322 message: the subject encoded per RFC 2047, the
// body UTF-8 text in base64 lines.
func mailMessage(from, to, subject, body string, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from)
	h("To", to)
	h("Subject", mime.BEncoding.Encode("UTF-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
