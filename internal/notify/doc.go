// Package notify delivers short messages — password reset codes, links,
// one-time passcodes — to a user's email address or phone number.
//
// # Transports
//
// A [Notifier] is built by [New] from a [Config] whose fields mirror the
// configuration keys below. Each channel has at most one real transport:
//
//	email   SMTP (github.com/wneessen/go-mail)
//	        email.smtp.host, email.smtp.port, email.smtp.tls (none|starttls|tls),
//	        email.smtp.username, email.smtp.password_file, email.from
//	sms     an HTTP webhook: a JSON POST of {"to": "+E.164", "body": "text"}
//	        with "Authorization: Bearer <token>"; any answer but 2xx is an error
//	        sms.webhook.url, sms.webhook.token_file
//	sms     or a command: argv with "{to}" replaced in each argument, the body
//	        on stdin, run directly (never through a shell); a non-zero exit is
//	        an error
//	        sms.command
//
// The outbox (config key outbox) is a file to which every message is
// appended as one JSON line:
//
//	{"channel":"email","to":"…","subject":"…","body":"…","sent_at":"2006-01-02T15:04:05Z"}
//
// It may be configured alone (development and tests: nothing leaves the
// machine) or together with real transports, in which case a message is
// appended after its transport accepted it, as a record of what was sent.
// The file is created with mode 0600 and every line is written with one
// append-only write, so several processes may share it.
//
// Secrets (the SMTP password and the webhook token) are read from their
// files when the Notifier is built, trimmed of surrounding white space, and
// never logged or put into an error.
//
// # Templates
//
// Messages are rendered from text/template templates by [Notifier.Render]
// (or [Templates.Render]). The built-in English templates are embedded in the
// binary; a folder (config key templates) may override them per language
// with one file per language and template:
//
//	<templates>/
//	    en/reset-code.txt        overrides the built-in English text
//	    pt/reset-code.txt        Portuguese
//	    pt-BR/reset-code.txt     Brazilian Portuguese
//	    pt-BR/otp.txt
//
// A folder is named by the canonical BCP 47 tag (pt-BR, not pt_br). For the
// language "pt-BR" the files are tried in the order pt-BR, pt, en, and then
// the built-in English text; an empty or unparsable language means English.
// A file starts with a subject line, then a blank line, then the body:
//
//	Subject: Código para redefinir a senha
//
//	Olá {{.UserName}},
//	o seu código é {{.Code}}. Ele vale até {{.ExpiresAt.UTC.Format "02/01/2006 15:04"}} UTC.
//
// The subject is used by email only; an SMS carries the body. The template
// names and the data each receives are listed with the Template* constants.
// Besides the data's fields and methods, templates may call datetime (a
// time as "2006-01-02 15:04 UTC"), duration (a duration in English words,
// like "1 hour 30 minutes") and minutes (a duration in whole minutes). A
// reference to a missing field or key, or a malformed file, is an error: no
// half-rendered message is ever sent. [New] checks every file of the folder.
package notify
