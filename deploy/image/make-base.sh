#!/usr/bin/env bash
# Makes the base image of the peer's container image, here, from nothing (no registry, no
# daemon): a Java runtime made by jlink from the JDK that runs this script, the shared libraries
# it links against (copied from this machine), and the few files a JVM and a non-root user need.
# Writes it as a `docker save` archive, which Jib reads with from.image tar://...
#
#   deploy/image/make-base.sh LIBS_DIR OUT_DIR
#
# LIBS_DIR holds the application's jars: jdeps reads them to choose the runtime's modules.
# OUT_DIR gets rootfs/ (the file tree) and base.tar (the image). Needs a JDK 17+ (jlink, jdeps),
# ldd, tar and sha256sum: Linux, on the architecture the image is for.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
libs=$1
out=$2
uid=65532
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
jlink=$java_home/bin/jlink
jdeps=$java_home/bin/jdeps
rootfs=$out/rootfs

rm -rf "$rootfs" "$out/base.tar" "$out/layer.tar"
mkdir -p "$rootfs"

# The modules the jars use, and two that no class names: the EC provider (jdk.crypto.ec; peer
# certificates are P-256), a service found at run time, and jdk.unsupported, through which
# Netty, protobuf and Guava reach sun.misc.Unsafe by reflection.
# The image runs them on the class path, so jdeps reads their classes as class-path code: out of
# the jars, without module-info (a modular jar would be resolved as a module and its requires).
classes=$out/classes
rm -rf "$classes"
mkdir -p "$classes"
for jar in "$libs"/*.jar; do
  (cd "$classes" && "$java_home/bin/jar" xf "$(readlink -f "$jar")")
done
find "$classes" -name module-info.class -delete
rm -rf "$classes/META-INF/versions"
modules=$("$jdeps" --ignore-missing-deps --print-module-deps "$classes")
rm -rf "$classes"
modules=$(printf '%s\n' ${modules//,/ } jdk.crypto.ec jdk.unsupported | sort -u | paste -sd, -)
echo "make-base: runtime modules $modules" >&2
"$jlink" --add-modules "$modules" --output "$rootfs/opt/java" --strip-debug --no-man-pages \
  --no-header-files --compress=2

# The shared libraries the runtime's binaries and libraries load, at the paths they are loaded
# from (the ELF interpreter included), copied with their links resolved.
{
  find "$rootfs/opt/java" -type f \( -name '*.so' -o -perm -u+x \) -print0 \
    | xargs -0 ldd 2>/dev/null \
    | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
} | sort -u | while read -r lib; do
  case "$lib" in "$rootfs"*) continue ;; esac
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
# Name lookups: files then DNS (built into glibc's libc since 2.34; the runtime mounts
# /etc/hosts and /etc/resolv.conf).
mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/var/lib/meridian" "$rootfs/etc/meridian"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/sbin/nologin\nmeridian:x:%d:%d:meridian:/var/lib/meridian:/sbin/nologin\n' \
  "$uid" "$uid" > "$rootfs/etc/passwd"
printf 'root:x:0:\nmeridian:x:%d:\n' "$uid" > "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
chmod 0750 "$rootfs/var/lib/meridian"

# One layer: everything root's, but the data directory the peer's user's (a fresh volume
# mounted there copies it).
tar --create --file "$out/layer.tar" --directory "$rootfs" --sort=name --numeric-owner \
  --owner=0 --group=0 --mtime='1970-01-01 00:00:01' --exclude=./var/lib/meridian .
tar --append --file "$out/layer.tar" --directory "$rootfs" --numeric-owner \
  --owner="$uid" --group="$uid" --mtime='1970-01-01 00:00:01' ./var/lib/meridian

# The `docker save` layout: the layer, its config (the layer's digest as its diff id) and the
# manifest naming both.
layer_sha=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
mkdir -p "$out/archive/$layer_sha"
mv "$out/layer.tar" "$out/archive/$layer_sha/layer.tar"
arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/opt/java/bin"],"User":"%d:%d"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$arch" "$uid" "$uid" "$layer_sha" > "$out/archive/config.json"
config_sha=$(sha256sum "$out/archive/config.json" | cut -d' ' -f1)
mv "$out/archive/config.json" "$out/archive/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["meridian-base:local"],"Layers":["%s/layer.tar"]}]' \
  "$config_sha" "$layer_sha" > "$out/archive/manifest.json"
tar --create --file "$out/base.tar" --directory "$out/archive" --owner=0 --group=0 \
  --mtime='1970-01-01 00:00:01' manifest.json "$config_sha.json" "$layer_sha/layer.tar"
rm -rf "$out/archive"
echo "make-base: $out/base.tar ($(du -h "$out/base.tar" | cut -f1), runtime of $(du -sh "$rootfs/opt/java" | cut -f1))" >&2
