/// The Lua scripts that make each bus operation atomic in Redis (one `EVALSHA` each).
///
/// Every script gets the key prefix as `ARGV[1]` and builds its keys from it (the layout is in
/// `BusKeys` and docs/redis-eventbus.md). Keys are therefore not declared in `KEYS`: the bus runs
/// on a standalone Redis, not on Redis Cluster. Time is Redis's
/// (`TIME`), so daemons with skewed clocks agree on leases and retry times.
///
/// Delivery state per subscription `s`:
/// - `q:<rank>:<s>`: one stream per priority rank (3 = critical … 0 = low) with consumer group
///   `bus`; an entry is one pending delivery (`j` journal id, `x` expiry ms or "", `t` type, `b` body).
///   Entries delivered at least once sit in the group's pending list (PEL).
/// - `state:<s>`: hash `<rank>/<entry id>` → `attempt|token|owner|last error` for each delivered
///   entry; token "" = waiting for a retry, otherwise leased under that token by `owner`
///   (`<consumer>/<incarnation>`).
/// - `timers:<s>`: zset of the same members, score = when the lease expires or the retry is due.
enum BusScripts {
    static let header = """
        local P = ARGV[1]
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function num(n) return string.format('%.0f', n) end
        local function qkey(rank, name) return P .. 'q:' .. rank .. ':' .. name end
        local function skey(name) return P .. 'state:' .. name end
        local function tkey(name) return P .. 'timers:' .. name end
        local function fields(list)
          local f = {}
          for i = 1, #list, 2 do f[list[i]] = list[i + 1] end
          return f
        end
        local function parse_state(s)
          local a, t, o, e = string.match(s, '^(%d+)|([^|]*)|([^|]*)|(.*)$')
          return tonumber(a), t, o, e
        end
        -- 'max_attempts|d1,d2,…,d31': the retry delay after attempt n is d[min(n, 31)].
        local function policy(name)
          local p = redis.call('HGET', P .. 'policy', name)
          if not p then return nil end
          local m, list = string.match(p, '^(%d+)|(.*)$')
          local delays = {}
          for d in string.gmatch(list or '', '%d+') do delays[#delays + 1] = tonumber(d) end
          return tonumber(m), delays
        end
        local function drop(name, rank, sid)
          redis.call('XACK', qkey(rank, name), 'bus', sid)
          redis.call('XDEL', qkey(rank, name), sid)
          redis.call('HDEL', skey(name), rank .. '/' .. sid)
          redis.call('ZREM', tkey(name), rank .. '/' .. sid)
        end
        local function dead_letter(name, rank, sid, f, attempts, err, now)
          redis.call('XADD', P .. 'dead', '*', 'sub', name, 'rank', rank, 'j', f['j'] or '', 'x', f['x'] or '', 't', f['t'] or '',
                     'b', f['b'] or '', 'attempts', attempts, 'err', err, 'at', num(now))
          drop(name, rank, sid)
        end
        local function bump(counters)
          for k, v in pairs(counters) do
            if v ~= 0 then redis.call('HINCRBY', P .. 'stats', k, v) end
          end
        end

        """

    /// Journals events and fans them out (or keeps orphans), checking expiry, duplicate ids and
    /// idempotency keys. Refuses the whole chunk with `{'stale'}` when the subscriptions changed
    /// since the caller matched events against them.
    static let publish = Script(name: "publish", body: header + """
        local ver = redis.call('GET', P .. 'subs-version') or '0'
        if ver ~= ARGV[2] then return {'stale'} end
        local now = now_ms()
        local window, maxOrphans, maxlen, idttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
        local n = tonumber(ARGV[7])
        local i = 8
        local out, woke = {}, {}
        local c = {published = 0, duplicates = 0, orphaned = 0, expired = 0}
        for e = 1, n do
          local id, dkey, rank, exp, typ, ts, cid, body = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7]
          local nsubs = tonumber(ARGV[i+8])
          local first = i + 9
          i = first + nsubs
          if exp ~= '' and now > tonumber(exp) then
            c.expired = c.expired + 1
            out[e] = {'expired'}
          elseif redis.call('EXISTS', P .. 'eid:' .. id) == 1 then
            c.duplicates = c.duplicates + 1
            out[e] = {'duplicate', id}
          else
            local dup = false
            if dkey ~= '' and window > 0 then
              local k = P .. 'dedup:' .. dkey
              if not redis.call('SET', k, id, 'NX', 'PX', ARGV[3]) then dup = redis.call('GET', k) or id end
            end
            if dup then
              c.duplicates = c.duplicates + 1
              out[e] = {'duplicate', dup}
            else
              local sid
              if maxlen > 0 then
                sid = redis.call('XADD', P .. 'events', 'MAXLEN', '~', ARGV[5], '*', 'id', id, 'type', typ, 'ts', ts, 'cid', cid, 'exp', exp, 'b', body)
              else
                sid = redis.call('XADD', P .. 'events', '*', 'id', id, 'type', typ, 'ts', ts, 'cid', cid, 'exp', exp, 'b', body)
              end
              redis.call('SET', P .. 'eid:' .. id, sid, 'PX', idttl)
              for s = first, first + nsubs - 1 do
                redis.call('XADD', qkey(rank, ARGV[s]), '*', 'j', sid, 'x', exp, 't', typ, 'b', body)
                woke[ARGV[s]] = true
              end
              if nsubs == 0 then
                c.orphaned = c.orphaned + 1
                if maxOrphans > 0 then
                  redis.call('XADD', P .. 'orphans', 'MAXLEN', ARGV[4], '*', 'j', sid, 'type', typ, 'ts', ts, 'b', body)
                end
              end
              c.published = c.published + 1
              out[e] = {'accepted', sid}
            end
          end
        end
        bump(c)
        for name in pairs(woke) do redis.call('PUBLISH', P .. 'wake', name) end
        return {'ok', out}
        """)
}

/// A Lua script and its name (for errors).
struct Script: Sendable {
    let name: String
    let body: String
}
