/* fuzz_rpc.c: what heat-engine's replies can hold: the reply envelope, the reply waiter
 * (msg_id matching, duplicates, heartbeats) and an engine exception turned into heat-api's
 * fault. Input: one message body from the reply queue. */
#include "fuzz_common.h"

#include "heat_fault.h"
#include "heat_result.h"
#include "heat_json.h"
#include "heat_rpc.h"

static void fault_of(apr_pool_t *p, const heat_rpc_failure_t *f)
{
    heat_result_t fault;

    heat_result_from_remote(p, f->cls, f->module, f->message, f->args, f->kwargs, f->traceback, 1, &fault);
    if (fault.status < 400 || fault.status > 599 || !fault.type)
        abort();
    (void)heat_result_render(p, &fault, HEAT_RESULT_FAULT, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    heat_rpc_incoming_t in;
    heat_rpc_dedup_t dedup;
    heat_rpc_waiter_t w;
    heat_rpc_reply_t reply;
    heat_rpc_failure_t f;
    json_t *v;

    memset(&in, 0, sizeof(in));
    if (!heat_rpc_reply_parse(p, (const char *)data, size, &in)) {
        if (in.failed)
            fault_of(p, &in.failure);
        if (in.result)
            (void)heat_json_dump(p, in.result, 0);
    }

    /* the waiter, for the message's own msg_id and for another one, fed the message twice */
    memset(&dedup, 0, sizeof(dedup));
    heat_rpc_waiter_init(&w, p, in.msg_id ? in.msg_id : "0123456789abcdef0123456789abcdef", &dedup);
    if (!heat_rpc_waiter_feed(&w, (const char *)data, size))
        (void)heat_rpc_waiter_feed(&w, (const char *)data, size);
    if (w.done) {
        memset(&reply, 0, sizeof(reply));
        heat_rpc_waiter_finish(&w, &reply);
        if (reply.outcome == HEAT_RPC_REMOTE_FAILURE)
            fault_of(p, &reply.failure);
    }

    /* the bytes as a failure value on their own (a JSON string or object) */
    v = heat_json_own(p, json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    if (v) {
        memset(&f, 0, sizeof(f));
        if (!heat_rpc_failure_decode(p, v, &f))
            fault_of(p, &f);
    }
    apr_pool_destroy(p);
    return 0;
}
