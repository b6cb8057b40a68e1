/*
 * The JNI face of the kernel: the native methods of dev.hashfinder.core.NativeKernel. Each call
 * copies what it needs in and out; no Java array is held across the scan.
 */
#include <jni.h>

#include "kernel.h"

/* Hits one call returns at most; a full buffer means "go on after the last one". */
#define HITS_PER_CALL 256

static void throw_illegal_argument(JNIEnv *env, const char *message) {
  jclass type = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
  if (type != NULL) {
    (*env)->ThrowNew(env, type, message);
  }
}

JNIEXPORT jint JNICALL Java_dev_hashfinder_core_NativeKernel_cpuFeatures(JNIEnv *env,
                                                                          jclass type) {
  (void) env;
  (void) type;
  return hf_cpu_features();
}

JNIEXPORT jint JNICALL Java_dev_hashfinder_core_NativeKernel_batch(JNIEnv *env, jclass type,
                                                                    jint digest,
                                                                    jint features) {
  (void) env;
  (void) type;
  return hf_batch(digest, features & hf_cpu_features());
}

JNIEXPORT jint JNICALL Java_dev_hashfinder_core_NativeKernel_scan0(
    JNIEnv *env, jclass type, jint digest, jint features, jbyteArray query_bytes, jlong start,
    jlong end, jlongArray hits) {
  (void) type;
  if (query_bytes == NULL || hits == NULL || start < 0 || end < start) {
    throw_illegal_argument(env, "scan: null array or bad range");
    return -1;
  }
  if (hf_copy(digest, features & hf_cpu_features()) == HF_COPY_NONE) {
    throw_illegal_argument(env, "scan: no copy of this digest's scan runs with these features");
    return -1;
  }
  jsize length = (*env)->GetArrayLength(env, query_bytes);
  if (length > HF_QUERY_MAX) {
    throw_illegal_argument(env, "scan: query too long");
    return -1;
  }
  uint8_t bytes[HF_QUERY_MAX];
  (*env)->GetByteArrayRegion(env, query_bytes, 0, length, (jbyte *) bytes);
  hf_query query;
  if (hf_query_parse(bytes, length, &query) != 0
      || query.target_length > hf_text_length(digest)) {
    throw_illegal_argument(env, "scan: malformed query");
    return -1;
  }
  jsize capacity = (*env)->GetArrayLength(env, hits);
  if (capacity > HITS_PER_CALL) {
    capacity = HITS_PER_CALL;
  }
  if (capacity < 1) {
    throw_illegal_argument(env, "scan: no room for hits");
    return -1;
  }
  int64_t found[HITS_PER_CALL];
  int count = hf_scan(digest, features, &query, start, end, found, capacity);
  (*env)->SetLongArrayRegion(env, hits, 0, count, (const jlong *) found);
  return count;
}

JNIEXPORT void JNICALL Java_dev_hashfinder_core_NativeKernel_digestOfIndex(
    JNIEnv *env, jclass type, jint digest, jint features, jlong index, jbyteArray out) {
  (void) type;
  int length = hf_digest_length(digest);
  if (index < 0 || out == NULL || length == 0 || (*env)->GetArrayLength(env, out) < length) {
    throw_illegal_argument(env, "digestOfIndex: negative index, unknown digest or short buffer");
    return;
  }
  uint8_t bytes[HF_MAX_DIGEST];
  if (hf_digest_of_index(digest, features, index, bytes) != 0) {
    throw_illegal_argument(env, "digestOfIndex: no copy of this digest runs with these features");
    return;
  }
  (*env)->SetByteArrayRegion(env, out, 0, length, (const jbyte *) bytes);
}

JNIEXPORT jlong JNICALL Java_dev_hashfinder_core_NativeKernel_time(JNIEnv *env, jclass type,
                                                                    jint digest, jint features,
                                                                    jboolean kernel,
                                                                    jlong count) {
  (void) type;
  int64_t nanos = count < 0 ? -1 : hf_time(digest, features, kernel, count);
  if (nanos < 0) {
    throw_illegal_argument(env, "time: negative count or no copy runs with these features");
  }
  return nanos;
}
