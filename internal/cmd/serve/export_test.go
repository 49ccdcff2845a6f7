package serve

import (
	"crypto/tls"
	"log/slog"
)

// CertReloader exposes the certificate reloader to the tests.
type CertReloader struct{ c *certReloader }

// NewCertReloader loads a pair as Run does.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c, err := newCertReloader(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &CertReloader{c}, nil
}

// Reload reloads as SIGHUP does, logging on log.
func (r *CertReloader) Reload(log *slog.Logger) { r.c.reloadLogged(log) }

// Current is the certificate the next handshake gets.
func (r *CertReloader) Current() *tls.Certificate {
	c, _ := r.c.getCertificate(nil)
	return c
}
