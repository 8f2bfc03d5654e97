#!/usr/bin/env bash
# System packages the tests need (Debian): a JDK + junit4 for the Android core, openssh-server for the ssh bench
# device test, g++ for the native runner, qemu-user-static + the arm64 cross compiler for ARM emulation (unless
# QEMU=0). Installed only where missing: with everything present this is a few `command -v` checks.
set -euo pipefail
need=()
command -v javac >/dev/null || need+=(default-jdk-headless)
[ -f /usr/share/java/junit4.jar ] || need+=(junit4)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v g++ >/dev/null || need+=(g++)  # the native .pte bench runner is compiled on the machine
if [ "${QEMU:-1}" != 0 ]; then
  command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null || need+=(qemu-user-static)
  command -v aarch64-linux-gnu-g++ >/dev/null || need+=(crossbuild-essential-arm64)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
