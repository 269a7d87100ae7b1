// tls/tls_context.cpp — green::TlsContext (green/tls.h): an SSL_CTX and its settings.
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

#include "green/tls.h"
#include "tls/tls_errors.h"

namespace green {

namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// memory: a read-only BIO over `pem` (which must outlive it).
BioPtr memory(std::string_view pem, const char* what) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!b) detail::throw_tls(std::string("green::TlsContext::") + what + ": out of memory");
  return b;
}

}  // namespace

TlsContext::TlsContext(TlsRole role) : role_(role) {
  SSL_CTX* c = SSL_CTX_new(role == TlsRole::client ? TLS_client_method() : TLS_server_method());
  if (!c) detail::throw_tls("green::TlsContext: SSL_CTX_new failed");
  ctx_.reset(c, SSL_CTX_free);
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  // Partial writes let send() return what went; a moving buffer lets a retry
  // after WANT_WRITE come from send_all's advanced pointer.
  SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (role == TlsRole::client) {
    if (SSL_CTX_set_default_verify_paths(c) != 1) detail::openssl_reasons();  // no system CAs: trust_* still works
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
}

TlsContext& TlsContext::certificate_pem(std::string_view chain_pem, std::string_view key_pem) {
  const std::string what = "green::TlsContext::certificate_pem";
  BioPtr chain = memory(chain_pem, "certificate_pem");
  std::unique_ptr<X509, decltype(&X509_free)> leaf(PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr),
                                                   X509_free);
  if (!leaf) detail::throw_tls(what + ": the certificate is not PEM text");
  if (SSL_CTX_use_certificate(ctx_.get(), leaf.get()) != 1) detail::throw_tls(what + ": the certificate was refused");
  SSL_CTX_clear_chain_certs(ctx_.get());
  while (X509* extra = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx_.get(), extra) != 1) {
      X509_free(extra);
      detail::throw_tls(what + ": a chain certificate was refused");
    }
  }
  detail::openssl_reasons();  // the end of the PEM text, not an error
  BioPtr key_bio = memory(key_pem, "certificate_pem");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) detail::throw_tls(what + ": the private key is not PEM text (or is encrypted)");
  if (SSL_CTX_use_PrivateKey(ctx_.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx_.get()) != 1)
    detail::throw_tls(what + ": the private key does not match the certificate");
  return *this;
}

TlsContext& TlsContext::certificate_file(const std::string& chain_path, const std::string& key_path) {
  const std::string what = "green::TlsContext::certificate_file";
  if (SSL_CTX_use_certificate_chain_file(ctx_.get(), chain_path.c_str()) != 1)
    detail::throw_tls(what + ": cannot use \"" + chain_path + "\" (a PEM certificate chain, leaf first)");
  if (SSL_CTX_use_PrivateKey_file(ctx_.get(), key_path.c_str(), SSL_FILETYPE_PEM) != 1)
    detail::throw_tls(what + ": cannot use \"" + key_path + "\" (an unencrypted PEM private key)");
  if (SSL_CTX_check_private_key(ctx_.get()) != 1)
    detail::throw_tls(what + ": \"" + key_path + "\" does not match \"" + chain_path + "\"");
  return *this;
}

TlsContext& TlsContext::trust_pem(std::string_view ca_pem) {
  const std::string what = "green::TlsContext::trust_pem";
  BioPtr bio = memory(ca_pem, "trust_pem");
  X509_STORE* store = SSL_CTX_get_cert_store(ctx_.get());
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    int ok = X509_STORE_add_cert(store, ca);
    X509_free(ca);
    if (ok != 1) detail::throw_tls(what + ": the certificate was refused");
    ++added;
  }
  detail::openssl_reasons();  // the end of the PEM text
  if (added == 0) throw TlsError(what + ": no PEM certificate in the text given");
  return *this;
}

TlsContext& TlsContext::trust_file(const std::string& ca_path) {
  if (SSL_CTX_load_verify_locations(ctx_.get(), ca_path.c_str(), nullptr) != 1)
    detail::throw_tls("green::TlsContext::trust_file: cannot load \"" + ca_path + "\" (PEM CA certificates)");
  return *this;
}

TlsContext& TlsContext::verify_peer(bool on) {
  int mode = SSL_VERIFY_NONE;
  if (on) mode = role_ == TlsRole::client ? SSL_VERIFY_PEER : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx_.get(), mode, nullptr);
  return *this;
}

bool TlsContext::verifies_peer() const noexcept { return (SSL_CTX_get_verify_mode(ctx_.get()) & SSL_VERIFY_PEER) != 0; }

bool TlsContext::has_certificate() const noexcept { return SSL_CTX_get0_certificate(ctx_.get()) != nullptr; }

}  // namespace green
