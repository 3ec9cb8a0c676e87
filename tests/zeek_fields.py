"""zeek_fields.py - the columns of the Zeek logs mailscope writes, in
Zeek's order with Zeek's #types names, copied as facts from Zeek's scripts
(the conn_id record flattened into id.orig_h, id.orig_p, id.resp_h,
id.resp_p, as Zeek's writers do):

  smtp.log  base/protocols/smtp/main.zeek (SMTP::Info: ts ... tls),
            base/protocols/smtp/files.zeek (fuids),
            policy/protocols/smtp/software.zeek (is_webmail);
  files.log base/frameworks/files/main.zeek (Files::Info: ts ...
            parent_fuid), base/files/hash/main.zeek (md5, sha1, sha256),
            base/files/extract/main.zeek (extracted, extracted_cutoff,
            extracted_size);
  weird.log base/frameworks/notice/weird.zeek (Weird::Info);
  ssl.log   base/protocols/ssl/main.zeek (SSL::Info: ts ... ssl_history),
            base/protocols/ssl/files.zeek (cert_chain_fps,
            client_cert_chain_fps, sni_matches_cert), Zeek 6;
  x509.log  base/files/x509/main.zeek (X509::Info with its Certificate,
            SubjectAlternativeName and BasicConstraints records
            flattened), Zeek 6.

Columns mailscope adds are listed apart (EXTRA): community_id, as Zeek's
community-id scripts name it; ja3 and ja3s as the salesforce/ja3 Zeek
package adds them to ssl.log, ja4 as FoxIO's ja4 package does.  pop3.log is mailscope's own (docs/zeek.md):
Zeek has no POP3 log."""

CONN_ID = [("id.orig_h", "addr"), ("id.orig_p", "port"),
           ("id.resp_h", "addr"), ("id.resp_p", "port")]

ZEEK = {
    "smtp": [("ts", "time"), ("uid", "string")] + CONN_ID + [
        ("trans_depth", "count"), ("helo", "string"),
        ("mailfrom", "string"), ("rcptto", "set[string]"),
        ("date", "string"), ("from", "string"), ("to", "set[string]"),
        ("cc", "set[string]"), ("reply_to", "string"),
        ("msg_id", "string"), ("in_reply_to", "string"),
        ("subject", "string"), ("x_originating_ip", "addr"),
        ("first_received", "string"), ("second_received", "string"),
        ("last_reply", "string"), ("path", "vector[addr]"),
        ("user_agent", "string"), ("tls", "bool"),
        ("fuids", "vector[string]"), ("is_webmail", "bool")],
    "files": [("ts", "time"), ("fuid", "string"), ("uid", "string")] +
    CONN_ID + [
        ("source", "string"), ("depth", "count"),
        ("analyzers", "set[string]"), ("mime_type", "string"),
        ("filename", "string"), ("duration", "interval"),
        ("local_orig", "bool"), ("is_orig", "bool"),
        ("seen_bytes", "count"), ("total_bytes", "count"),
        ("missing_bytes", "count"), ("overflow_bytes", "count"),
        ("timedout", "bool"), ("parent_fuid", "string"),
        ("md5", "string"), ("sha1", "string"), ("sha256", "string"),
        ("extracted", "string"), ("extracted_cutoff", "bool"),
        ("extracted_size", "count")],
    "weird": [("ts", "time"), ("uid", "string")] + CONN_ID + [
        ("name", "string"), ("addl", "string"), ("notice", "bool"),
        ("peer", "string"), ("source", "string")],
}

ZEEK["ssl"] = [("ts", "time"), ("uid", "string")] + CONN_ID + [
    ("version", "string"), ("cipher", "string"), ("curve", "string"),
    ("server_name", "string"), ("resumed", "bool"),
    ("last_alert", "string"), ("next_protocol", "string"),
    ("established", "bool"), ("ssl_history", "string"),
    ("cert_chain_fps", "vector[string]"),
    ("client_cert_chain_fps", "vector[string]"),
    ("sni_matches_cert", "bool")]
ZEEK["x509"] = [
    ("ts", "time"), ("fingerprint", "string"),
    ("certificate.version", "count"), ("certificate.serial", "string"),
    ("certificate.subject", "string"), ("certificate.issuer", "string"),
    ("certificate.not_valid_before", "time"),
    ("certificate.not_valid_after", "time"),
    ("certificate.key_alg", "string"), ("certificate.sig_alg", "string"),
    ("certificate.key_type", "string"), ("certificate.key_length", "count"),
    ("certificate.exponent", "string"), ("certificate.curve", "string"),
    ("san.dns", "vector[string]"), ("san.uri", "vector[string]"),
    ("san.email", "vector[string]"), ("san.ip", "vector[addr]"),
    ("basic_constraints.ca", "bool"),
    ("basic_constraints.path_len", "count"), ("host_cert", "bool"),
    ("client_cert", "bool")]

EXTRA = {"smtp": [("community_id", "string")], "files": [], "weird": [],
         "ssl": [("ja3", "string"), ("ja3s", "string"), ("ja4", "string")],
         "x509": []}

# mailscope's own log, documented in docs/zeek.md
OWN = {
    "pop3": [("ts", "time"), ("uid", "string")] + CONN_ID + [
        ("duration", "interval"), ("banner", "string"), ("user", "string"),
        ("auth_mechanism", "string"), ("auth_success", "bool"),
        ("auth_attempts", "count"), ("tls", "bool"),
        ("mailbox_messages", "count"), ("mailbox_octets", "count"),
        ("retrieved", "count"), ("retrieved_bytes", "count"),
        ("subjects", "vector[string]"), ("deleted", "count"),
        ("commands", "count"), ("last_response", "string"),
        ("fuids", "vector[string]"), ("community_id", "string")],
}

# Zeek-style log extension fields, first when the sensor is named
EXT = [("_system_name", "string"), ("_interface", "string")]


def columns(path, sensor=False):
    """The (name, type) list mailscope's path.log must have."""
    cols = ZEEK[path] + EXTRA[path] if path in ZEEK else OWN[path]
    return (EXT if sensor else []) + cols
