#!/usr/bin/env bash
# Local Kubernetes API for the gitops test suites: etcd + kube-apiserver on 127.0.0.1, no
# kubelet, no controllers (the envtest idea). Everything comes from Debian packages: the
# apiserver is compiled from Debian's `kubernetes` source package (v1.20.2) with Debian's Go,
# etcd is taken from the `etcd-server` package. Nothing is fetched from anywhere else.
#
# Usage:
#   kube-testenv.sh build   compile once into $KUBE_TESTENV_DIR/bin (a no-op when present;
#                           about 3 minutes the first time on 2 cores, ~1.3 GB of memory)
#   kube-testenv.sh start   start etcd + kube-apiserver on free loopback ports, wait until
#                           /readyz says ok, print the kubeconfig path on stdout
#   kube-testenv.sh stop    stop the processes that `start` started in the same run dir
#   kube-testenv.sh status  exit 0 when both run, print the URL
#
# Environment:
#   KUBE_TESTENV_DIR             cache directory (default ~/.cache/kube-testenv); bin/ lives here
#   KUBE_TESTENV_RUN_DIR         state of one running instance: pki, etcd data, logs, pids,
#                                kubeconfig, env (default $KUBE_TESTENV_DIR/run). Give each
#                                concurrent instance its own directory.
#   KUBE_TESTENV_APISERVER_ARGS  extra kube-apiserver flags, split on whitespace, e.g.
#                                --authentication-token-webhook-config-file=/path/webhook.yaml
#   KUBE_TESTENV_START_TIMEOUT   seconds to wait for readiness (default 90)
#   KUBE_TESTENV_KEEP_BUILD=1    keep the source tree and Go caches after a build
#
# `build` installs packages with apt-get (as root, or through sudo); start/stop need no root.
set -euo pipefail

CACHE=${KUBE_TESTENV_DIR:-$HOME/.cache/kube-testenv}
BIN=$CACHE/bin
STATE=${KUBE_TESTENV_RUN_DIR:-$CACHE/run}
TIMEOUT_S=${KUBE_TESTENV_START_TIMEOUT:-90}

say() { printf 'kube-testenv: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }
millis() { date +%s%3N; }
privileged() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
quiet_apt() { grep -v 'Download is performed unsandboxed' >&2 || true; }

binaries_ok() {
  [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ] &&
    "$BIN/kube-apiserver" --version >/dev/null 2>&1 && "$BIN/etcd" --version >/dev/null 2>&1
}

# ------------------------------------------------------------------------------------ build

install_build_packages() {
  local missing=() p
  for p in golang-go dpkg-dev openssl curl ca-certificates; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  privileged apt-get update -qq
  privileged env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# `apt-get source` needs a deb-src line; add one for the mirror that already serves binaries.
enable_source_packages() {
  apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes' && return 0
  local release mirror
  release=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  # deb822 stanzas: the URIs of the one whose Suites list the release itself (not -security)
  mirror=$(awk -v r="$release" 'BEGIN { RS = "" } {
      uris = ""; ok = 0
      n = split($0, lines, "\n")
      for (i = 1; i <= n; i++) {
        if (lines[i] ~ /^URIs:/) { split(lines[i], f, " "); uris = f[2] }
        if (lines[i] ~ /^Suites:/) { m = split(lines[i], f, " "); for (j = 2; j <= m; j++) if (f[j] == r) ok = 1 }
      }
      if (ok && uris != "") { print uris; exit }
    }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
  [ -n "$mirror" ] || mirror=$(awk -v r="$release" '$1 == "deb" && $3 == r {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || fail "cannot find the Debian mirror to add a deb-src entry for $release"
  say "adding deb-src for $release from $mirror"
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$release" | privileged tee /etc/apt/sources.list.d/gitops-kube-testenv-src.sources >/dev/null
  privileged apt-get update -qq
}

# etcd-server's postinst would start a system etcd on :2379; only its binary is wanted.
extract_etcd() {
  [ -x "$BIN/etcd" ] && return 0
  local work=$1/etcd-deb
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && apt-get download -q etcd-server 2>&1 | quiet_apt)
  dpkg-deb -x "$work"/etcd-server_*.deb "$work/root"
  install -m 0755 "$work/root/usr/bin/etcd" "$BIN/etcd"
}

# Vendored reflect2 1.0.1 crashes (fault in mapiterinit) under Go >= 1.18 as soon as the
# apiserver JSON-encodes a map, e.g. the first custom object. Debian ships reflect2 1.0.2 and
# json-iterator 1.1.12, the pair later Kubernetes releases vendor; swap them in.
patch_reflect2() {
  local src=$1 work=$2/golibs p
  [ -f "$src/vendor/github.com/modern-go/reflect2/go_above_118.go" ] && return 0
  say "swapping vendored reflect2/json-iterator for Debian's Go 1.18-safe versions"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && apt-get download -q golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev 2>&1 | quiet_apt)
  for p in "$work"/*.deb; do dpkg-deb -x "$p" "$work/root"; done
  for p in modern-go/reflect2 json-iterator/go; do
    local from=$work/root/usr/share/gocode/src/github.com/$p
    [ -d "$from" ] || fail "Debian package lacks $p"
    rm -rf "$src/vendor/github.com/$p" && mkdir -p "$src/vendor/github.com/$p"
    find "$from" -maxdepth 1 -type f -name '*.go' ! -name '*_test.go' -exec cp {} "$src/vendor/github.com/$p/" \;
  done
}

# The release tarball lacks the generated OpenAPI definitions that `make` would produce.
generate_openapi() {
  local work=$1
  [ -f pkg/generated/openapi/zz_generated.openapi.go ] && return 0
  say "generating OpenAPI definitions"
  go build -o "$work/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  local pkgs
  pkgs=$(find -H . \( -path ./vendor -o -path './_*' -o -path './.*' \) -prune -o -type f -name '*.go' -print |
    sed -e 's|^\./staging/src|vendor|' -e 's|^\./||' |
    xargs grep -l '^// *+k8s:' | xargs grep -l '+k8s:openapi-gen=' |
    grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' |
    xargs -n1 dirname | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, - || true)
  # (|| true: grep through xargs reports "no match" for batches without tagged files)
  [ -n "$pkgs" ] || fail "found no packages tagged for openapi-gen"
  "$work/openapi-gen" --logtostderr -i "$pkgs" -p k8s.io/kubernetes/pkg/generated/openapi \
    -O zz_generated.openapi -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
    -r "$work/openapi-violations.report"
}

# /version is answered from client-go's version package, --version from component-base's.
version_ldflags() {
  local version=$1 commit=$2 major minor pkg flags='-s -w'
  major=${version#v}; major=${major%%.*}
  minor=${version#v*.}; minor=${minor%%.*}
  local built; built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for pkg in component-base/version client-go/pkg/version; do
    pkg=k8s.io/kubernetes/vendor/k8s.io/$pkg
    flags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$built"
  done
  echo "$flags"
}

do_build() {
  if binaries_ok; then
    say "already built: $("$BIN/kube-apiserver" --version) in $BIN"
    return 0
  fi
  say "building kube-apiserver v1.20.2 from Debian sources into $BIN (takes about 3 minutes the first time)"
  local started; started=$(millis)
  local work=$CACHE/build
  mkdir -p "$BIN" "$work"
  install_build_packages
  enable_source_packages
  extract_etcd "$work"

  local src
  src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' 2>/dev/null | head -1 || true)
  if [ -z "$src" ]; then
    say "fetching the kubernetes source package"
    rm -rf "$work/src" && mkdir -p "$work/src"
    (cd "$work/src" && apt-get source -q kubernetes 2>&1 | quiet_apt)
    src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -1)
    [ -n "$src" ] || fail "apt-get source kubernetes produced no source tree"
  fi
  [ -d "$src/vendor" ] || fail "$src has no vendor directory"
  patch_reflect2 "$src" "$work"

  # Kubernetes 1.20 builds in GOPATH mode (its hack/ scripts set GO111MODULE=off).
  [ -x /usr/lib/go/bin ] && PATH=/usr/lib/go/bin:$PATH
  export GOPATH=$work/gopath GOCACHE=$work/gocache GO111MODULE=off GOFLAGS= CGO_ENABLED=0 GOTOOLCHAIN=local
  mkdir -p "$GOPATH/src/k8s.io"
  ln -sfn "$src" "$GOPATH/src/k8s.io/kubernetes"
  cd "$GOPATH/src/k8s.io/kubernetes"
  say "compiler: $(go version)"
  generate_openapi "$work"

  # Debian versions it "1.20.5+really1.20.2-N"; the apiserver should report v1.20.2.
  local deb upstream commit
  deb=$(dpkg-parsechangelog -l debian/changelog -S Version)
  upstream=${deb#*:}; upstream=${upstream%-*}; upstream=${upstream##*really}; upstream=v${upstream%%+*}
  commit=$(sed -n 's/^[[:space:]]*gitCommit[[:space:]]*=[[:space:]]*"\([0-9a-f]*\)".*/\1/p' \
    vendor/k8s.io/component-base/version/base.go | head -1)
  say "go build ./cmd/kube-apiserver ($upstream)"
  go build -ldflags "$(version_ldflags "$upstream" "${commit:-unknown}")" -o "$BIN/kube-apiserver.partial" ./cmd/kube-apiserver
  mv "$BIN/kube-apiserver.partial" "$BIN/kube-apiserver"

  cd "$CACHE"
  if [ "${KUBE_TESTENV_KEEP_BUILD:-0}" != 1 ]; then
    chmod -R u+w "$work" 2>/dev/null || true
    rm -rf "$work"
  fi
  say "built in $(( ($(millis) - started) / 1000 ))s: $("$BIN/kube-apiserver" --version)"
}

# ------------------------------------------------------------------------------- processes

# A pid file is trusted only while that pid still runs the expected binary.
running() {
  local file=$STATE/$1.pid pid exe
  [ -s "$file" ] || return 1
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  case "${exe##*/}" in "$1" | "$1 (deleted)") return 0 ;; *) return 1 ;; esac
}

launch() {
  local name=$1; shift
  ( trap '' HUP INT QUIT; exec "$@" ) </dev/null >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}

halt() {
  local name pid pids=()
  for name in "$@"; do
    if running "$name"; then
      pid=$(cat "$STATE/$name.pid")
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$STATE/$name.pid"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  local tries=0 left
  while [ $tries -lt 100 ]; do
    left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ $left -eq 0 ] && return 0
    sleep 0.1; tries=$((tries + 1))
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# Ports below the ephemeral range, so none of the apiserver's own outgoing etcd connections
# can take the port just before it listens on it.
free_port() {
  local low high eph_low=32768 eph_high=60999 port
  read -r eph_low eph_high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  if [ "$eph_low" -gt 12000 ]; then low=10000; high=$((eph_low - 1)); else low=$((eph_high + 1)); high=65535; fi
  for _ in $(seq 1 300); do
    port=$(( low + (RANDOM * 32768 + RANDOM) % (high - low + 1) ))
    case " $* " in *" $port "*) continue ;; esac
    (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  fail "no free loopback port"
}

make_pki() {
  local dir=$STATE/pki
  mkdir -p "$dir" && chmod 700 "$dir"
  (
    cd "$dir"
    umask 077
    ecreq() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "$@" 2>/dev/null; }
    ecreq -x509 -keyout ca.key -out ca.crt -days 3650 -subj /CN=gitops-testenv-ca \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    ecreq -keyout serving.key -out serving.csr -subj /CN=kube-apiserver
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1' \
      'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' >serving.ext
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile serving.ext -out serving.crt 2>/dev/null
    # ECDSA service-account keys are accepted (ES256) and much quicker to make than RSA.
    openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
    openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
    printf '%s,gitops-admin,gitops-admin,system:masters\n' "$(openssl rand -hex 32)" >tokens.csv
  )
}

await_ok() {  # url pid-name deadline-ms curl-args...
  local url=$1 name=$2 until=$3 body; shift 3
  while :; do
    body=$(curl -s --max-time 2 "$@" "$url" 2>/dev/null || true)
    case "$body" in ok | *'"health":"true"'*) return 0 ;; esac
    running "$name" || return 2
    [ "$(millis)" -lt "$until" ] || return 1
    sleep 0.1
  done
}

start_attempt() {
  local t0 until ca token etcd_port peer_port api_port rc=0
  t0=$(millis); until=$((t0 + TIMEOUT_S * 1000))
  halt kube-apiserver etcd
  rm -rf "$STATE" && mkdir -p "$STATE" && chmod 700 "$STATE"
  make_pki
  ca=$STATE/pki/ca.crt
  token=$(cut -d, -f1 "$STATE/pki/tokens.csv")
  etcd_port=$(free_port); peer_port=$(free_port "$etcd_port"); api_port=$(free_port "$etcd_port" "$peer_port")

  mkdir -m 700 "$STATE/etcd"
  launch etcd "$BIN/etcd" --name testenv --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "testenv=http://127.0.0.1:$peer_port" --initial-cluster-state new \
    --logger zap --log-level warn
  await_ok "http://127.0.0.1:$etcd_port/health" etcd "$until" || rc=$?
  if [ $rc -ne 0 ]; then
    say "etcd did not get healthy; its log ends with:"; tail -n 15 "$STATE/etcd.log" >&2
    halt etcd
    grep -q 'address already in use' "$STATE/etcd.log" && return 3
    return 1
  fi

  # ServiceAccount admission is off (as in envtest): no controller creates default accounts.
  # shellcheck disable=SC2086
  launch kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --cert-dir="$STATE/certs" --tls-cert-file="$STATE/pki/serving.crt" --tls-private-key-file="$STATE/pki/serving.key" \
    --client-ca-file="$ca" --token-auth-file="$STATE/pki/tokens.csv" --authorization-mode=RBAC \
    --service-account-key-file="$STATE/pki/sa.pub" --service-account-signing-key-file="$STATE/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount --endpoint-reconciler-type=none --profiling=false \
    ${KUBE_TESTENV_APISERVER_ARGS:-}
  local url=https://127.0.0.1:$api_port
  await_ok "$url/readyz" kube-apiserver "$until" --cacert "$ca" -H "Authorization: Bearer $token" || rc=$?
  if [ $rc -ne 0 ]; then
    say "kube-apiserver did not get ready; its log ends with:"; tail -n 25 "$STATE/kube-apiserver.log" >&2
    halt kube-apiserver etcd
    grep -q 'address already in use' "$STATE/kube-apiserver.log" && return 3
    return 1
  fi

  umask 077
  cat >"$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 "$ca")
users:
- name: gitops-admin
  user:
    token: $token
contexts:
- name: testenv
  context:
    cluster: testenv
    user: gitops-admin
current-context: testenv
EOF
  cat >"$STATE/env" <<EOF
export KUBE_TESTENV_KUBECONFIG='$STATE/kubeconfig'
export KUBE_TESTENV_URL='$url'
export KUBE_TESTENV_TOKEN='$token'
export KUBE_TESTENV_CA_FILE='$ca'
EOF
  say "ready after $(( $(millis) - t0 )) ms at $url (etcd pid $(cat "$STATE/etcd.pid"), apiserver pid $(cat "$STATE/kube-apiserver.pid"))"
}

do_start() {
  binaries_ok || fail "not built yet; run: $0 build"
  command -v openssl >/dev/null && command -v curl >/dev/null || fail "openssl and curl are needed"
  if running etcd || running kube-apiserver; then fail "already running in $STATE; stop it first"; fi
  local attempt rc
  for attempt in 1 2 3; do
    rc=0; start_attempt || rc=$?
    [ $rc -eq 0 ] && { echo "$STATE/kubeconfig"; return 0; }
    [ $rc -eq 3 ] || exit 1
    say "port taken (attempt $attempt), trying other ports"
  done
  exit 1
}

do_stop() {
  halt kube-apiserver etcd
  rm -f "$STATE/env"
}

do_status() {
  local any=1 n
  for n in etcd kube-apiserver; do
    if running "$n"; then echo "$n: running (pid $(cat "$STATE/$n.pid"))"; any=0; else echo "$n: stopped"; fi
  done
  [ -f "$STATE/env" ] && grep -o "KUBE_TESTENV_URL='[^']*'" "$STATE/env" | tr -d "'" | sed 's/^KUBE_TESTENV_URL=/url: /'
  return $any
}

case "${1:-}" in
  build) do_build ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
