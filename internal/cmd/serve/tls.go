package serve

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// HSTSMaxAge is the max-age of the Strict-Transport-Security header sent
// on answers to HTTPS clients: one year. It names no subdomains (the
// server cannot know what else runs under its domain) and asks for no
// preload.
const HSTSMaxAge = 365 * 24 * time.Hour

// certReloader holds the server's certificate and key, read from their
// files at start and again on SIGHUP. A pair that fails to load leaves
// the one in use in place.
type certReloader struct {
	certFile, keyFile string

	mu   sync.RWMutex
	cert *tls.Certificate
}

// newCertReloader loads the pair for the first time.
func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// reload reads the pair again. On success the new certificate serves the
// next handshakes and is returned; on failure the old one stays.
func (c *certReloader) reload() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("load %s and %s: %w", c.certFile, c.keyFile, err)
	}
	c.mu.Lock()
	c.cert = &cert
	c.mu.Unlock()
	return &cert, nil
}

// getCertificate is the tls.Config's GetCertificate.
func (c *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cert, nil
}

// reloadLogged reloads the pair on SIGHUP and logs the outcome; c nil
// (plain HTTP) only logs that there is nothing to reload.
func (c *certReloader) reloadLogged(log *slog.Logger) {
	if c == nil {
		log.Info("SIGHUP: nothing to reload (no --tls-cert); the server goes on")
		return
	}
	cert, err := c.reload()
	if err != nil {
		log.Error("SIGHUP: the new certificate and key do not load; the old ones stay in use", slog.String("error", err.Error()))
		return
	}
	attrs := []any{slog.String("cert", c.certFile)}
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		attrs = append(attrs, slog.String("subject", leaf.Subject.String()),
			slog.Time("not_after", leaf.NotAfter))
	}
	log.Info("SIGHUP: certificate and key reloaded", attrs...)
}
