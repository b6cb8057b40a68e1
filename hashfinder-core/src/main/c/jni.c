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

JNIEXPORT jint JNICALL Java_dev_hashfinder_core_NativeKernel_scanSha1(
    JNIEnv *env, jclass type, jbyteArray query_bytes, jlong start, jlong end, jlongArray hits) {
  (void) type;
  if (query_bytes == NULL || hits == NULL || start < 0 || end < start) {
    throw_illegal_argument(env, "scanSha1: null array or bad range");
    return -1;
  }
  jsize length = (*env)->GetArrayLength(env, query_bytes);
  if (length > HF_QUERY_MAX) {
    throw_illegal_argument(env, "scanSha1: query too long");
    return -1;
  }
  uint8_t bytes[HF_QUERY_MAX];
  (*env)->GetByteArrayRegion(env, query_bytes, 0, length, (jbyte *) bytes);
  hf_query query;
  if (hf_query_parse(bytes, length, &query) != 0) {
    throw_illegal_argument(env, "scanSha1: malformed query");
    return -1;
  }
  jsize capacity = (*env)->GetArrayLength(env, hits);
  if (capacity > HITS_PER_CALL) {
    capacity = HITS_PER_CALL;
  }
  if (capacity < 1) {
    throw_illegal_argument(env, "scanSha1: no room for hits");
    return -1;
  }
  int64_t found[HITS_PER_CALL];
  int count = hf_scan_sha1(&query, start, end, found, capacity);
  (*env)->SetLongArrayRegion(env, hits, 0, count, (const jlong *) found);
  return count;
}

JNIEXPORT void JNICALL Java_dev_hashfinder_core_NativeKernel_sha1OfIndex(JNIEnv *env,
                                                                         jclass type,
                                                                         jlong index,
                                                                         jbyteArray digest) {
  (void) type;
  if (index < 0 || digest == NULL || (*env)->GetArrayLength(env, digest) < 20) {
    throw_illegal_argument(env, "sha1OfIndex: negative index or short digest buffer");
    return;
  }
  uint8_t bytes[20];
  hf_sha1_of_index(index, bytes);
  (*env)->SetByteArrayRegion(env, digest, 0, 20, (const jbyte *) bytes);
}
