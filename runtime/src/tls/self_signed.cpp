// tls/self_signed.cpp — green::self_signed_certificate (green/tls.h): a
// throwaway identity for tests and examples, made with OpenSSL's API (no
// `openssl` command, no files).
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

#include "green/tls.h"
#include "tls/tls_errors.h"
#include "tls/tls_names.h"

namespace green {

namespace {

const char* const kWhat = "green::self_signed_certificate";

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, std::integral_constant<decltype(Free), Free>>;

// A DNS name: letters, digits, '-', '.' and a leading "*." wildcard. The name
// goes into an OpenSSL configuration string, where a ',' would start a new entry.
bool is_dns_name(const std::string& s) {
  std::string rest = s.rfind("*.", 0) == 0 ? s.substr(2) : s;
  return !rest.empty() && rest.size() <= 253 &&
         std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> ext(X509V3_EXT_nconf_nid(nullptr, &v3, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    detail::throw_tls(std::string(kWhat) + ": cannot add the extension " + value);
}

std::string pem_of(BIO* out) {
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  return std::string(data, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace

SelfSigned self_signed_certificate(const std::string& name, int days) {
  const bool ip = detail::is_ip_literal(name);
  if (!ip && !is_dns_name(name))
    throw std::invalid_argument(std::string(kWhat) + ": \"" + name +
                                "\" is neither a DNS name (letters, digits, '-', '.') nor a numeric IP address");
  if (days < 1 || days > 36500) throw std::invalid_argument(std::string(kWhat) + ": days must be 1 to 36500");

  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  Owned<X509, X509_free> cert(X509_new());
  if (!key || !cert) detail::throw_tls(std::string(kWhat) + ": cannot make a key");
  unsigned char serial[16];
  Owned<BIGNUM, BN_free> bn(RAND_bytes(serial, sizeof serial) == 1 ? BN_bin2bn(serial, sizeof serial, nullptr)
                                                                   : nullptr);
  // Valid from an hour ago: a peer whose clock is a little behind accepts it too.
  if (!bn || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days) || X509_set_pubkey(cert.get(), key.get()) != 1)
    detail::throw_tls(std::string(kWhat) + ": cannot fill in the certificate");
  // The subject's CN holds at most 64 characters; the name that matters is in
  // subjectAltName either way.
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string cn = name.size() <= 64 ? name : "green self-signed";
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1)
    detail::throw_tls(std::string(kWhat) + ": cannot name the certificate");
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, (ip ? "IP:" : "DNS:") + name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) detail::throw_tls(std::string(kWhat) + ": cannot sign");

  Owned<BIO, BIO_free_all> cert_out(BIO_new(BIO_s_mem()));
  Owned<BIO, BIO_free_all> key_out(BIO_new(BIO_s_mem()));
  if (!cert_out || !key_out || PEM_write_bio_X509(cert_out.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    detail::throw_tls(std::string(kWhat) + ": cannot write PEM");
  return {pem_of(cert_out.get()), pem_of(key_out.get())};
}

}  // namespace green
