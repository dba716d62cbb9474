// Package notify tells the people concerned, where they already are, what
// waits for them (issue 19): new flags, flags escalated for being left
// open, complaints near their 20-day deadline, payments waiting for
// approval, failed job runs. It sends to 企业微信 and 钉钉 group bots (a
// JSON POST; 钉钉's signed with the bot's secret) and a daily e-mail digest
// by SMTP, each message in plain Chinese with counts and a link to the
// staff page, never a person's name, ID number, account or phone (flags'
// reasons are not copied: they may name people).
//
// The targets are read from SUNSHINE_NOTIFY_FILE (Load). Each event is sent
// to each target once: what was sent is kept by a ledger.NotifyStore; a
// failed send stays unsent and is retried by a later run, with a backoff
// and a cap on attempts. It imports neither gin nor gorm.
package notify
