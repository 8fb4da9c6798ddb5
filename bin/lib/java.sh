# shellcheck shell=bash
# Sourced by the bin/ scripts: finds a JDK 21 or newer and exports JAVA_HOME and PATH.
# Order: $JAVA_HOME if it is new enough, else the newest /usr/lib/jvm/*/bin/java that is.
# NODEMESH_JVM_ROOT replaces /usr/lib/jvm (the script tests use it to stage fake JDKs).

nodemesh_java_major() {
  # Prints the feature release of the given java binary ("17", "21", "25"), or nothing.
  # `java -version` writes to stderr: openjdk version "21.0.5" 2024-10-15 (old JDKs: "1.8.0_412").
  local java_bin=$1 version
  version=$("$java_bin" -version 2>&1 | awk -F '"' '/version/ { print $2; exit }') || return 0
  case $version in
    1.*) version=${version#1.} ;;
  esac
  printf '%s\n' "${version%%[.+-]*}"
}

nodemesh_find_java() {
  local candidate major best="" best_major=0 jvm_root=${NODEMESH_JVM_ROOT:-/usr/lib/jvm}
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    major=$(nodemesh_java_major "$JAVA_HOME/bin/java")
    if [[ $major =~ ^[0-9]+$ ]] && ((major >= 21)); then
      printf '%s\n' "$JAVA_HOME"
      return 0
    fi
  fi
  for candidate in "$jvm_root"/*/bin/java; do
    [[ -x $candidate ]] || continue
    major=$(nodemesh_java_major "$candidate")
    [[ $major =~ ^[0-9]+$ ]] || continue
    if ((major >= 21 && major > best_major)); then
      best_major=$major
      best=${candidate%/bin/java}
    fi
  done
  if [[ -n $best ]]; then
    printf '%s\n' "$best"
    return 0
  fi
  return 1
}

if ! NODEMESH_JAVA_HOME=$(nodemesh_find_java); then
  echo "Nodemesh needs JDK 21+; install Temurin 21 or newer (https://adoptium.net) and set JAVA_HOME." >&2
  if [[ -n ${JAVA_HOME:-} ]]; then
    echo "JAVA_HOME=$JAVA_HOME is older than 21 or has no bin/java." >&2
  fi
  exit 1
fi
export JAVA_HOME=$NODEMESH_JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
unset NODEMESH_JAVA_HOME
