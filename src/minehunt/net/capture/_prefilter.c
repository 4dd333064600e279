/*
 * The compiled pre-pass of `minehunt scan pcap`: walk pcap/pcapng records in place and hand
 * Python only the frames that can matter, each with its frame number.
 *
 * Why hand-written: libpcap filters savefiles with its BPF *interpreter* after copying every
 * record into its buffer, and cannot say which frame number a kept packet had (it does not
 * count the frames its filter drops), so reading a capture through it costs a second pass
 * for frame numbers. No maintained library walks capture records without copying and keeps
 * a frame count. This file does only that: no allocation, no Python API (loaded with
 * ctypes, so building it needs a C compiler but no Python headers). `net/bpf.py` holds the
 * same selection as a BPF expression for live capture and for installs without this module;
 * tests check that both paths give the same findings.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MH_MAX_IF 256
#define MH_MAX_FOLLOW 64
#define MH_MAX_CAPLEN (256u * 1024u)      /* a bigger classic record is corrupt */
#define MH_MAX_BLOCK (16u * 1024u * 1024u) /* libpcap's pcapng limit */
#define WEBSOCKET_MAX_IP 1200u
#define MH_MAX_MARKERS 16
#define MH_SEEN_SLOTS (1u << 16) /* flows already handed over (a cache: 4-way, overwritten) */
#define MH_SYN_SLOTS (1u << 13)  /* connection openings held back (SYN and SYN-ACK each) */
#define MH_SYN_COPY 192          /* bytes of a held-back opening: every header, no payload */
#define MH_MAX_OUT 4096          /* candidates per call (the held-back copies are staged) */
#define MH_POOL_SLOTS (1u << 13)  /* hash set of pool domains (64-bit hashes, open addressing) */
#define MH_MAX_POOLS (MH_POOL_SLOTS / 2)
#define MH_TEXT_BUDGET (64u * 1024u) /* payload bytes of a text connection handed over whole */

typedef struct {
    uint64_t flow, frame, sec;
    uint32_t usec, caplen, link;
    uint8_t data[MH_SYN_COPY];
} mh_syn;

enum { FMT_UNKNOWN = 0, FMT_PCAP = 1, FMT_PCAPNG = 2 };

typedef struct {
    uint64_t frame; /* 1-based frame number in the file */
    uint64_t addr;  /* address of the frame bytes (in the caller's buffer or the state) */
    uint64_t sec;
    uint32_t caplen;
    uint32_t link;
    uint32_t usec;
    uint32_t pad;
} mh_pkt;

typedef struct {
    int format;
    int swapped;  /* pcap: byte order differs from ours; pcapng: section is big-endian */
    int nsec;     /* pcap: nanosecond timestamps */
    uint32_t link;
    uint32_t nif;
    uint32_t if_link[MH_MAX_IF];
    uint64_t if_tps[MH_MAX_IF]; /* timestamp ticks per second */
    int64_t if_off[MH_MAX_IF];  /* if_tsoffset, seconds */
    uint64_t frames;
    uint8_t ports[65536 / 8]; /* TCP ports whose every packet is kept */
    uint32_t nhost, nend;
    uint8_t host[MH_MAX_FOLLOW][16];
    uint8_t host_len[MH_MAX_FOLLOW];
    uint8_t end[MH_MAX_FOLLOW][16];
    uint8_t end_len[MH_MAX_FOLLOW];
    uint16_t end_port[MH_MAX_FOLLOW];
    uint32_t nmark;
    uint8_t mark_len[MH_MAX_MARKERS];
    char mark[MH_MAX_MARKERS][32]; /* lower-case words that make an HTTP head worth parsing */
    uint8_t mark_first[256];
    /* DNS over UDP is handed over only when a name in it can be a pool's (the question, or
     * for an answer a CNAME target): ordinary DNS, a tenth of a busy capture, stays in C. */
    int dns_filter;   /* pool domains were given */
    int dns_all;      /* more than MH_MAX_POOLS: hand over every DNS message */
    uint32_t npool;
    uint64_t pool[MH_POOL_SLOTS];
    uint64_t dns_messages, dns_handed;
    uint64_t seen[MH_SEEN_SLOTS];
    /* Payload bytes still handed over whatever they start with, per `seen` slot: a text
     * protocol (JSON lines, HTTP) splits messages over segments and a hole stalls the
     * reassembly, e.g. an HTTP getwork request head without markers before its JSON body. */
    uint32_t budget[MH_SEEN_SLOTS];
    mh_syn syn[MH_SYN_SLOTS][2];
    uint8_t stage[MH_MAX_OUT][MH_SYN_COPY]; /* copies handed out by the current call */
    char error[160];
} mh_state;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[1] << 8 | p[0]); }
static uint32_t rd32(const mh_state *st, const uint8_t *p) { return st->swapped ? be32(p) : le32(p); }
static uint16_t rd16(const mh_state *st, const uint8_t *p) { return st->swapped ? be16(p) : le16(p); }

size_t mh_state_size(void) { return sizeof(mh_state); }

void mh_init(mh_state *st) { memset(st, 0, sizeof *st); }

void mh_keep_port(mh_state *st, uint32_t port) {
    if (port < 65536) st->ports[port >> 3] |= (uint8_t)(1u << (port & 7));
}

/* Follow every packet to or from an address (4 or 16 bytes). 0 when the set is full. */
int mh_follow_host(mh_state *st, const uint8_t *addr, uint32_t alen) {
    if (st->nhost >= MH_MAX_FOLLOW || (alen != 4 && alen != 16)) return 0;
    memcpy(st->host[st->nhost], addr, alen);
    st->host_len[st->nhost++] = (uint8_t)alen;
    return 1;
}

/* Follow every TCP packet to or from one address and port. 0 when the set is full. */
int mh_follow_endpoint(mh_state *st, const uint8_t *addr, uint32_t alen, uint32_t port) {
    if (st->nend >= MH_MAX_FOLLOW || (alen != 4 && alen != 16)) return 0;
    memcpy(st->end[st->nend], addr, alen);
    st->end_len[st->nend] = (uint8_t)alen;
    st->end_port[st->nend++] = (uint16_t)port;
    return 1;
}

/* An HTTP head containing this word (any case) is kept; without markers every head is. */
int mh_head_marker(mh_state *st, const char *word, uint32_t len) {
    if (st->nmark >= MH_MAX_MARKERS || len == 0 || len >= sizeof st->mark[0]) return 0;
    for (uint32_t i = 0; i < len; i++) st->mark[st->nmark][i] = (char)(word[i] | 0x20);
    st->mark_len[st->nmark++] = (uint8_t)len;
    st->mark_first[(uint8_t)(word[0] | 0x20)] = 1;
    return 1;
}

/* FNV-1a of a lower-cased name (0 is the empty slot). */
static uint64_t name_hash(const uint8_t *s, uint32_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        h = (h ^ c) * 0x100000001b3ull;
    }
    return h ? h : 1;
}

/* A pool domain ("pool.example", no trailing dot): DNS naming it or a subdomain of it is
 * handed over. 0 when the set is full (every DNS message is handed over from then on). */
int mh_pool_domain(mh_state *st, const char *name, uint32_t len) {
    st->dns_filter = 1;
    if (st->npool >= MH_MAX_POOLS || len == 0 || len > 255) {
        st->dns_all = 1;
        return 0;
    }
    uint64_t h = name_hash((const uint8_t *)name, len), slot = h & (MH_POOL_SLOTS - 1);
    while (st->pool[slot] && st->pool[slot] != h) slot = (slot + 1) & (MH_POOL_SLOTS - 1);
    if (!st->pool[slot]) st->pool[slot] = h, st->npool++;
    return 1;
}

/* DNS messages over UDP seen, and handed over. */
void mh_dns_counts(const mh_state *st, uint64_t *out) {
    out[0] = st->dns_messages;
    out[1] = st->dns_handed;
}

const char *mh_error(const mh_state *st) { return st->error; }
uint64_t mh_frames(const mh_state *st) { return st->frames; }

static int supported_link(uint32_t link) {
    switch (link) {
    case 0: case 1: case 12: case 101: case 108: case 113: case 228: case 229: case 276:
        return 1;
    default:
        return 0;
    }
}

/* Offset of the IP header in a frame of `link` and the IP version (0: not IP). */
static uint32_t ip_offset(uint32_t link, const uint8_t *f, uint32_t cap, int *version) {
    uint32_t off, etype;
    *version = 0;
    switch (link) {
    case 1: /* Ethernet, with any number of 802.1Q / QinQ tags */
        if (cap < 14) return 0;
        etype = be16(f + 12);
        off = 14;
        while ((etype == 0x8100 || etype == 0x88a8) && cap >= off + 4) {
            etype = be16(f + off + 2);
            off += 4;
        }
        break;
    case 113: /* Linux cooked v1 */
        if (cap < 16) return 0;
        etype = be16(f + 14);
        off = 16;
        break;
    case 276: /* Linux cooked v2 */
        if (cap < 20) return 0;
        etype = be16(f);
        off = 20;
        break;
    case 0: case 108: /* BSD loopback: 4-byte family, then the IP version nibble decides */
    case 12: case 101: case 228: case 229:
        off = (link == 0 || link == 108) ? 4 : 0;
        if (cap <= off) return 0;
        *version = f[off] >> 4;
        if (*version != 4 && *version != 6) *version = 0;
        return off;
    default:
        return 0;
    }
    *version = etype == 0x0800 ? 4 : etype == 0x86dd ? 6 : 0;
    return off;
}

static int followed_host(const mh_state *st, const uint8_t *a, const uint8_t *b, uint32_t alen) {
    for (uint32_t i = 0; i < st->nhost; i++) {
        if (st->host_len[i] != alen) continue;
        if (!memcmp(st->host[i], a, alen) || !memcmp(st->host[i], b, alen)) return 1;
    }
    return 0;
}

static int followed_end(const mh_state *st, const uint8_t *src, const uint8_t *dst, uint32_t alen,
                        uint32_t sport, uint32_t dport) {
    for (uint32_t i = 0; i < st->nend; i++) {
        if (st->end_len[i] != alen) continue;
        if ((st->end_port[i] == sport && !memcmp(st->end[i], src, alen)) ||
            (st->end_port[i] == dport && !memcmp(st->end[i], dst, alen)))
            return 1;
    }
    return 0;
}

/* Does an HTTP head (captured part) name a marker, or is its body JSON? Heads of ordinary
 * web traffic are most of the HTTP a capture holds and give the parser nothing to find.
 * A POST head whose body is not in this segment is kept: getwork clients (ethminer,
 * cpuminer) often write the head and the JSON-RPC body separately, with no JSON header. */
static int http_head_matters(const mh_state *st, const uint8_t *p, uint32_t n, int post) {
    if (!st->nmark) return 1;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '\n') {
            uint32_t j = i + 1;
            if (j < n && p[j] == '\r') j++;
            if (j < n && p[j] == '\n') { /* blank line: the body starts */
                for (j++; j < n && (p[j] == ' ' || p[j] == '\r' || p[j] == '\n' || p[j] == '\t'); j++)
                    ;
                return j < n ? p[j] == '{' || p[j] == '[' : post;
            }
            continue;
        }
        c |= 0x20;
        if (!st->mark_first[c]) continue;
        for (uint32_t m = 0; m < st->nmark; m++) {
            uint32_t len = st->mark_len[m], k = 0;
            if (st->mark[m][0] != (char)c || i + len > n) continue;
            while (k < len && (char)(p[i + k] | 0x20) == st->mark[m][k]) k++;
            if (k == len) return 1;
        }
    }
    return 0;
}

/* Payload starts that matter: JSON (every Stratum dialect), TLS handshake, HTTP heads,
 * Bitcoin/Monero P2P magic, small WebSocket frames, Stratum V2 frame headers. */
static int interesting_head(const mh_state *st, const uint8_t *p, uint32_t avail, int64_t plen,
                            uint32_t ip_len) {
    uint8_t b0 = p[0];
    if (b0 == '{' || b0 == 0x16) return 1;
    if ((b0 == 0x81 || b0 == 0x82) && ip_len < WEBSOCKET_MAX_IP) return 1;
    if (plen >= 4 && avail >= 4) {
        uint32_t h = be32(p);
        if (h == 0x504F5354u || h == 0x47455420u || h == 0x48545450u) /* POST, "GET ", HTTP */
            return http_head_matters(st, p, avail, h == 0x504F5354u && plen == (int64_t)avail);
        if (h == 0xF9BEB4D9u || h == 0x0B110907u || h == 0x01210101u) /* BTC, tBTC, levin */
            return 1;
    }
    if (plen >= 6 && avail >= 3 && b0 == 0 && ((p[1] == 0 && p[2] < 3) || p[1] == 0x80)) return 1;
    return 0;
}

/* Is `name` (lower-case, dotted) or one of its parents of two labels or more a pool domain? */
static int pool_name(const mh_state *st, const uint8_t *name, uint32_t len) {
    for (uint32_t i = 0; i < len; i++) {
        if (i && name[i - 1] != '.') continue;
        if (!memchr(name + i, '.', len - i)) break; /* a lone top-level label */
        uint64_t h = name_hash(name + i, len - i), slot = h & (MH_POOL_SLOTS - 1);
        while (st->pool[slot]) {
            if (st->pool[slot] == h) return 1;
            slot = (slot + 1) & (MH_POOL_SLOTS - 1);
        }
    }
    return 0;
}

/* Decode the DNS name at `pos` (compression followed, at most 16 jumps) into `out` as
 * lower-case dotted text; return the offset just after it where it starts, 0 if malformed. */
static uint32_t dns_name(const uint8_t *m, uint32_t n, uint32_t pos, uint8_t *out,
                         uint32_t *out_len) {
    uint32_t len = 0, end = 0, jumps = 0;
    for (;;) {
        if (pos >= n) return 0;
        uint32_t l = m[pos];
        if (l == 0) {
            if (!end) end = pos + 1;
            break;
        }
        if ((l & 0xC0) == 0xC0) {
            if (pos + 1 >= n || ++jumps > 16) return 0;
            if (!end) end = pos + 2;
            pos = (l & 0x3Fu) << 8 | m[pos + 1];
            continue;
        }
        if (l & 0xC0 || pos + 1 + l > n || len + l + 1 > 255) return 0;
        if (len) out[len++] = '.';
        for (uint32_t i = 0; i < l; i++) {
            uint8_t c = m[pos + 1 + i];
            out[len++] = c >= 'A' && c <= 'Z' ? c | 0x20 : c;
        }
        pos += 1 + l;
    }
    *out_len = len;
    return end;
}

/* Bytes of the DNS message in a UDP datagram: the UDP length, bounded by what was captured
 * (an Ethernet frame's padding is not part of it). */
static uint32_t dns_length(const uint8_t *udp, uint32_t avail) {
    uint32_t ulen = be16(udp + 4);
    return ulen >= 8 && ulen <= avail ? ulen - 8 : avail - 8;
}

/* Can this DNS message name a pool? Its question, or for a response a CNAME target in the
 * answers (what `FlowTable._dns_message` looks at; it re-checks against the allow list). */
static int dns_names_pool(const mh_state *st, const uint8_t *m, uint32_t n) {
    uint8_t name[256];
    uint32_t len, pos;
    if (n < 12 || be16(m + 4) == 0) return 0;
    uint32_t questions = be16(m + 4), answers = be16(m + 6);
    if (!(pos = dns_name(m, n, 12, name, &len))) return 0;
    if (pool_name(st, name, len)) return 1;
    if (!(m[2] & 0x80)) return 0; /* a query for another name */
    pos += 4;
    for (uint32_t q = 1; q < questions && q < 8; q++) {
        if (!(pos = dns_name(m, n, pos, name, &len))) return 0;
        pos += 4;
    }
    for (uint32_t a = 0; a < answers && a < 64; a++) {
        if (!(pos = dns_name(m, n, pos, name, &len)) || pos + 10 > n) return 0;
        uint32_t type = be16(m + pos), rdlen = be16(m + pos + 8);
        pos += 10;
        if (pos + rdlen > n) return 0;
        if (type == 5 && dns_name(m, n, pos, name, &len) && pool_name(st, name, len)) return 1;
        pos += rdlen;
    }
    return 0;
}

enum { DROP, KEEP, KEEP_FLOW, KEEP_TEXT, HOLD_SYN, HOLD_SYNACK };

/* The `seen` slot holding a flow, or -1. */
static int64_t seen_slot(const mh_state *st, uint64_t flow) {
    uint64_t base = flow & (MH_SEEN_SLOTS - 4);
    for (uint64_t i = 0; i < 4; i++)
        if (st->seen[base + i] == flow) return (int64_t)(base + i);
    return -1;
}

static uint64_t end_hash(const uint8_t *a, uint32_t alen, uint32_t port) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)port << 32) ^ alen;
    for (uint32_t i = 0; i < alen; i += 4) {
        h ^= be32(a + i);
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/*
 * What to do with a frame. Mirrors bpf.static_filter() plus the followed terms, with one
 * refinement a stateless filter cannot make: a connection's SYN, SYN-ACK, FIN and RST are
 * handed over only if something else of that connection is (the openings are held back
 * until then, the closings need the flow to be known). A connection that never shows a
 * payload worth parsing never reaches Python.
 */
static int classify(mh_state *st, uint32_t link, const uint8_t *f, uint32_t cap,
                    uint64_t *flow) {
    int version;
    uint32_t off = ip_offset(link, f, cap, &version);
    if (!version) return DROP;
    const uint8_t *ip = f + off, *src, *dst, *l4;
    uint32_t avail = cap - off, alen, proto, l4avail, ip_len;
    int64_t l4len;
    if (version == 4) {
        if (avail < 20) return DROP;
        uint32_t ihl = (ip[0] & 0x0fu) * 4;
        if (be16(ip + 6) & 0x3fff) return KEEP; /* fragments: counted, never reassembled */
        src = ip + 12, dst = ip + 16, alen = 4;
        proto = ip[9];
        ip_len = be16(ip + 2);
        if (ihl < 20 || avail < ihl) return st->nhost && followed_host(st, src, dst, 4) ? KEEP : DROP;
        l4 = ip + ihl, l4avail = avail - ihl, l4len = (int64_t)ip_len - ihl;
    } else {
        if (avail < 40) return DROP;
        proto = ip[6];
        if (proto == 44) return KEEP;
        src = ip + 8, dst = ip + 24, alen = 16;
        ip_len = be16(ip + 4) + 40u;
        l4 = ip + 40, l4avail = avail - 40, l4len = (int64_t)ip_len - 40;
    }
    if (proto == 17) {
        if (st->nhost && followed_host(st, src, dst, alen)) return KEEP;
        if (l4avail < 4 || (be16(l4) != 53 && be16(l4 + 2) != 53)) return DROP;
        st->dns_messages++;
        if (st->dns_filter && !st->dns_all &&
            (l4avail < 8 || !dns_names_pool(st, l4 + 8, dns_length(l4, l4avail))))
            return DROP;
        st->dns_handed++;
        return KEEP;
    }
    if (proto != 6 || l4avail < 14) {
        return st->nhost && followed_host(st, src, dst, alen) ? KEEP : DROP;
    }
    uint32_t sport = be16(l4), dport = be16(l4 + 2), flags = l4[13];
    *flow = (end_hash(src, alen, sport) + end_hash(dst, alen, dport)) | 1;
    if (sport == 53 || dport == 53) return KEEP_FLOW; /* DNS over TCP */
    if (st->nhost && followed_host(st, src, dst, alen)) return KEEP_FLOW;
    if ((st->ports[sport >> 3] >> (sport & 7)) & 1) return KEEP_FLOW;
    if ((st->ports[dport >> 3] >> (dport & 7)) & 1) return KEEP_FLOW;
    if (st->nend && followed_end(st, src, dst, alen, sport, dport)) return KEEP_FLOW;
    uint32_t thl = (uint32_t)(l4[12] >> 4) * 4;
    int64_t plen = l4len - thl;
    if (thl >= 20 && plen >= 1 && l4avail > thl &&
        interesting_head(st, l4 + thl, l4avail - thl, plen, ip_len)) {
        uint8_t b0 = l4[thl];
        return b0 == '{' || b0 == 'P' || b0 == 'G' || b0 == 'H' ? KEEP_TEXT : KEEP_FLOW;
    }
    if (!(flags & 0x07) && plen < 1) return DROP;
    int64_t slot = seen_slot(st, *flow);
    if (slot >= 0 && plen >= 1 && st->budget[slot]) {
        uint32_t used = plen > (int64_t)st->budget[slot] ? st->budget[slot] : (uint32_t)plen;
        st->budget[slot] -= used;
        return KEEP;
    }
    if (!(flags & 0x07)) return DROP;
    if (slot >= 0) return KEEP;
    if ((flags & 0x02) && cap <= MH_SYN_COPY) return (flags & 0x10) ? HOLD_SYNACK : HOLD_SYN;
    return (flags & 0x02) ? KEEP_FLOW : DROP; /* an opening too big to hold: hand it over */
}

static int fail(mh_state *st, const char *what, uint64_t value) {
    snprintf(st->error, sizeof st->error, what, (unsigned long long)value);
    return -1;
}

/* A corrupt record ends the walk: hand over what came before it first (the caller calls
 * again at the bad record, which then fails at once). */
#define FAIL_AT(pos, ...) return (fail(st, __VA_ARGS__), (pos) ? (int64_t)(pos) : -1)

static void put(const uint8_t *data, uint32_t caplen, uint32_t link, uint64_t frame,
                uint64_t sec, uint32_t usec, mh_pkt *out, uint32_t *n) {
    mh_pkt *o = &out[(*n)++];
    o->frame = frame;
    o->addr = (uint64_t)(uintptr_t)data;
    o->sec = sec;
    o->caplen = caplen;
    o->link = link;
    o->usec = usec;
    o->pad = 0;
}

static void release_held(mh_state *st, uint64_t flow, mh_pkt *out, uint32_t *n) {
    mh_syn *pair = st->syn[flow & (MH_SYN_SLOTS - 1)];
    for (int i = 0; i < 2; i++) {
        mh_syn *s = &pair[i];
        if (s->flow != flow) continue;
        uint8_t *copy = st->stage[*n];
        memcpy(copy, s->data, s->caplen);
        put(copy, s->caplen, s->link, s->frame, s->sec, s->usec, out, n);
        s->flow = 0;
    }
}

/* Record a flow as handed over; return its `seen` slot (a new one has no text budget). */
static uint64_t remember(mh_state *st, uint64_t flow) {
    uint64_t base = flow & (MH_SEEN_SLOTS - 4), slot = base + ((flow >> 20) & 3);
    for (uint64_t i = 0; i < 4; i++)
        if (st->seen[base + i] == flow || st->seen[base + i] == 0) {
            slot = base + i;
            break;
        }
    if (st->seen[slot] != flow) st->budget[slot] = 0;
    st->seen[slot] = flow;
    return slot;
}

/* One record: count it, and hand it over, hold it back or drop it. */
static void record(mh_state *st, const uint8_t *f, uint32_t caplen, uint32_t link, uint64_t sec,
                   uint32_t usec, mh_pkt *out, uint32_t *n) {
    uint64_t flow = 0;
    st->frames++;
    int what = classify(st, link, f, caplen, &flow);
    switch (what) {
    case KEEP_TEXT:
    case KEEP_FLOW: {
        uint64_t slot = remember(st, flow);
        if (what == KEEP_TEXT && st->budget[slot] == 0) st->budget[slot] = MH_TEXT_BUDGET;
        release_held(st, flow, out, n);
    }
        /* fall through */
    case KEEP:
        put(f, caplen, link, st->frames, sec, usec, out, n);
        return;
    case HOLD_SYN:
    case HOLD_SYNACK: {
        mh_syn *s = &st->syn[flow & (MH_SYN_SLOTS - 1)][what == HOLD_SYNACK];
        if (s->flow == flow) return; /* a retransmission: keep the first */
        s->flow = flow, s->frame = st->frames, s->sec = sec, s->usec = usec;
        s->caplen = caplen, s->link = link;
        memcpy(s->data, f, caplen);
        return;
    }
    default:
        return;
    }
}

static int64_t scan_pcap(mh_state *st, const uint8_t *buf, uint64_t len, mh_pkt *out, uint32_t cap,
                         uint32_t *n) {
    uint64_t pos = 0;
    if (st->format == FMT_UNKNOWN) {
        if (len < 24) return 0;
        uint32_t magic = le32(buf);
        st->swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
        st->nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
        st->link = rd32(st, buf + 20) & 0x03ffffffu;
        st->format = FMT_PCAP;
        if (!supported_link(st->link)) FAIL_AT(pos, "unsupported link type %llu", st->link);
        pos = 24;
    }
    while (*n + 3 <= cap && pos + 16 <= len) {
        const uint8_t *h = buf + pos;
        uint32_t caplen = rd32(st, h + 8);
        if (caplen > MH_MAX_CAPLEN)
            FAIL_AT(pos, "invalid packet capture length %llu", caplen);
        if (pos + 16 + caplen > len) break; /* the rest comes with the next buffer */
        uint32_t frac = rd32(st, h + 4);
        record(st, h + 16, caplen, st->link, rd32(st, h), st->nsec ? frac / 1000 : frac, out, n);
        pos += 16 + (uint64_t)caplen;
    }
    return (int64_t)pos;
}

static int idb(mh_state *st, const uint8_t *b, uint32_t total) {
    if (total < 20) return fail(st, "interface block too short (%llu bytes)", total);
    if (st->nif >= MH_MAX_IF) return fail(st, "more than %llu interfaces", MH_MAX_IF);
    uint32_t link = rd16(st, b + 8);
    if (!supported_link(link)) return fail(st, "unsupported link type %llu", link);
    uint64_t tps = 1000000;
    int64_t offset = 0;
    for (uint32_t o = 16; o + 4 <= total - 4;) {
        uint32_t code = rd16(st, b + o), olen = rd16(st, b + o + 2);
        if (code == 0 || o + 4 + olen > total - 4) break;
        if (code == 9 && olen >= 1) { /* if_tsresol */
            uint8_t v = b[o + 4];
            uint32_t e = v & 0x7f;
            if (v & 0x80) {
                tps = e < 64 ? (uint64_t)1 << e : 0;
            } else {
                tps = 1;
                for (uint32_t i = 0; i < e && i < 19; i++) tps *= 10;
            }
            if (!tps || e > 63) return fail(st, "unusable timestamp resolution %llu", v);
        } else if (code == 14 && olen >= 8) { /* if_tsoffset */
            uint64_t hi = rd32(st, b + o + 4), lo = rd32(st, b + o + 8);
            offset = (int64_t)(st->swapped ? hi << 32 | lo : lo << 32 | hi);
        }
        o += 4 + ((olen + 3u) & ~3u);
    }
    st->if_link[st->nif] = link;
    st->if_tps[st->nif] = tps;
    st->if_off[st->nif++] = offset;
    return 0;
}

static int64_t scan_pcapng(mh_state *st, const uint8_t *buf, uint64_t len, mh_pkt *out,
                           uint32_t cap, uint32_t *n) {
    uint64_t pos = 0;
    while (*n + 3 <= cap && pos + 12 <= len) {
        const uint8_t *b = buf + pos;
        uint32_t type = le32(b);
        if (type == 0x0A0D0D0Au) { /* section header: byte order and interfaces start anew */
            uint32_t magic = le32(b + 8);
            if (magic == 0x1A2B3C4Du) st->swapped = 0;
            else if (magic == 0x4D3C2B1Au) st->swapped = 1;
            else FAIL_AT(pos, "bad pcapng byte-order magic %llu", magic);
            st->nif = 0;
        } else {
            type = rd32(st, b);
        }
        uint32_t total = rd32(st, b + 4);
        if (total < 12 || total % 4 || total > MH_MAX_BLOCK)
            FAIL_AT(pos, "invalid pcapng block length %llu", total);
        if (pos + total > len) break;
        if (type == 1) {
            if (idb(st, b, total) < 0) return pos ? (int64_t)pos : -1;
        } else if (type == 6 || type == 2) { /* enhanced / obsolete packet block */
            if (total < 32) FAIL_AT(pos, "packet block too short (%llu bytes)", total);
            uint32_t ifid = type == 6 ? rd32(st, b + 8) : rd16(st, b + 8);
            uint32_t caplen = rd32(st, b + 20);
            if (ifid >= st->nif) FAIL_AT(pos, "packet for undeclared interface %llu", ifid);
            if (caplen > total - 32) FAIL_AT(pos, "invalid packet capture length %llu", caplen);
            uint64_t t = (uint64_t)rd32(st, b + 12) << 32 | rd32(st, b + 16);
            uint64_t tps = st->if_tps[ifid];
            uint64_t sec = t / tps + (uint64_t)st->if_off[ifid];
            uint32_t usec = (uint32_t)((double)(t % tps) * 1e6 / (double)tps);
            record(st, b + 28, caplen, st->if_link[ifid], sec, usec, out, n);
        } else if (type == 3) { /* simple packet block: interface 0, no timestamp */
            if (total < 16) FAIL_AT(pos, "packet block too short (%llu bytes)", total);
            if (!st->nif) FAIL_AT(pos, "packet for undeclared interface %llu", 0);
            uint32_t caplen = rd32(st, b + 8);
            if (caplen > total - 16) caplen = total - 16;
            record(st, b + 12, caplen, st->if_link[0], 0, 0, out, n);
        }
        pos += total;
    }
    return (int64_t)pos;
}

/*
 * Scan the complete records at the start of `buf`; return the bytes consumed (the caller
 * passes the rest again with more data; 0 means the next record is incomplete), or -1 with
 * mh_error() set for a corrupt file. Stops early when `out` (`cap` entries, at most
 * MH_MAX_OUT) is nearly full; *n counts the candidates, valid until the next call.
 */
int64_t mh_scan(mh_state *st, const uint8_t *buf, uint64_t len, mh_pkt *out, uint32_t cap,
                uint32_t *n) {
    *n = 0;
    if (cap > MH_MAX_OUT) cap = MH_MAX_OUT;
    if (st->format == FMT_UNKNOWN && len >= 4 && le32(buf) == 0x0A0D0D0Au) st->format = FMT_PCAPNG;
    if (st->format == FMT_PCAPNG) return scan_pcapng(st, buf, len, out, cap, n);
    return scan_pcap(st, buf, len, out, cap, n);
}
