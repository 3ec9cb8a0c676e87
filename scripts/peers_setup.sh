# peers_setup.sh - the postfix and dovecot set-up the capture scripts share
# (make_pcaps.sh, make_tls_pcaps.sh, make_keylog_pcaps.sh): sourced, it
# defines functions only and runs nothing.
#
# The caller sets user and pass (the test account, mstest / mstest-pass) and
# holds /tmp/mailscope-peers.lock.  Servers listen on loopback only and
# deliver only to the test user; postfix relays nothing.
#
#   peers_install PKG...          install what is missing (postfix answers
#                                 "Local only" to debconf)
#   peers_user                    the test user and its password
#   peers_dovecot LISTEN MECHS CERT KEY
#                                 /etc/dovecot/local.conf: POP3 on LISTEN,
#                                 SASL for postfix, the test user's
#                                 password; more of the file on stdin
#   peers_dovecot_default_cert CERT KEY
#                                 Debian's 10-ssl.conf names a certificate
#                                 the package may not have made: these
#   peers_postfix PROTOCOLS NETWORKS CERT KEY [NAME=VALUE...]
#                                 postfix main.cf: loopback only, local
#                                 delivery to Maildir, SASL through dovecot,
#                                 STARTTLS offered; the pairs after KEY are
#                                 set too (postconf -e)
#   peers_start [PREFIX...]       start dovecot and postfix (PREFIX: e.g.
#                                 ip netns exec NS), wait for them
#   peers_stop [PREFIX...]        stop them (dovecot by its pid file, never
#                                 by name: another may be running)
#   peers_stop_capture            stop the tcpdump whose pid is in cap_pid
#   swaks_q ARGS...               swaks, quiet, never failing
# shellcheck shell=bash disable=SC2154,SC2120

peers_install() {
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string mail.example.test" | debconf-set-selections
  local need="" p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
  done
  # shellcheck disable=SC2086
  [ -z "$need" ] || { apt-get update -qq; apt-get install -y -qq $need >/dev/null; }
}

peers_user() {
  id "$user" >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$user"
  echo "$user:$pass" | chpasswd
}

peers_dovecot_default_cert() { # cert key
  mkdir -p /etc/dovecot/private
  [ -f /etc/dovecot/private/dovecot.pem ] || cp "$1" /etc/dovecot/private/dovecot.pem
  [ -f /etc/dovecot/private/dovecot.key ] || cp "$2" /etc/dovecot/private/dovecot.key
}

peers_dovecot() { # listen mechanisms cert key; more configuration on stdin
  cat >/etc/dovecot/local.conf <<EOF
protocols = pop3
listen = $1
disable_plaintext_auth = no
auth_mechanisms = $2
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <$3
ssl_key = <$4
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u /etc/dovecot/mailscope.passwd
}
userdb {
  driver = passwd
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
  cat >>/etc/dovecot/local.conf
  echo "$user:{PLAIN}$pass" >/etc/dovecot/mailscope.passwd
  chmod 640 /etc/dovecot/mailscope.passwd
  chgrp dovecot /etc/dovecot/mailscope.passwd
}

peers_postfix() { # inet_protocols mynetworks cert key [name=value...]
  local protocols=$1 networks=$2 cert=$3 key=$4
  shift 4
  postconf -e "inet_interfaces = loopback-only" "inet_protocols = $protocols" \
    "myhostname = mail.example.test" "mydestination = mail.example.test, localhost" \
    "mynetworks = $networks" "relayhost =" "home_mailbox = Maildir/" \
    "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = dovecot" \
    "smtpd_sasl_path = private/auth" "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = $cert" "smtpd_tls_key_file = $key" \
    "smtpd_tls_auth_only = no" "smtpd_banner = \$myhostname ESMTP Postfix" \
    "default_transport = error" "relay_transport = error" "$@"
}

peers_start() { # [prefix...]
  "$@" dovecot
  "$@" postfix start >/dev/null 2>&1
  sleep 2
}

peers_stop() { # [prefix...]
  "$@" postfix stop >/dev/null 2>&1 || true
  "$@" doveadm stop >/dev/null 2>&1 ||
    { [ -s /run/dovecot/master.pid ] && "$@" kill "$(cat /run/dovecot/master.pid)"; } 2>/dev/null || true
}

peers_stop_capture() {
  sleep 1
  kill "$cap_pid"
  wait "$cap_pid" 2>/dev/null || true
  cap_pid=""
}

swaks_q() { swaks --silent 2 --hide-all "$@" >/dev/null 2>&1 || true; }
