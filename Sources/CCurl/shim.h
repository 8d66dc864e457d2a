#ifndef EVENTSPOOL_CCURL_SHIM_H
#define EVENTSPOOL_CCURL_SHIM_H

#include <curl/curl.h>

// `curl_easy_setopt`, `curl_easy_getinfo` and `curl_multi_setopt` are variadic, which Swift cannot
// call. These typed wrappers are the only way the Swift code reaches them.

typedef size_t (*eventspool_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode eventspool_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_setopt_data_callback(
    CURL *handle, CURLoption option, eventspool_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode eventspool_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode eventspool_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode eventspool_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode eventspool_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode eventspool_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

// `curl_global_init` once per process: CURL_GLOBAL_DEFAULT is a macro expression Swift does not import.
static inline CURLcode eventspool_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

// Reads the next "transfer done" message of a multi handle, skipping any other kind. `CURLMsg` keeps
// the result in a union, which is clumsy from Swift. Returns 1 and fills `easy` and `result` when a
// transfer finished, 0 when no message is left.
static inline int eventspool_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int remaining = 0;
    CURLMsg *message;
    while ((message = curl_multi_info_read(multi, &remaining)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}

#endif
