extension BusScripts {
    /// Creates or updates a subscription: its spec, its retry policy, and a consumer group `bus`
    /// on each of its four priority streams (kept when they exist: pending events stay). Bumps
    /// `subs-version` so publishers re-read the subscriptions. ARGV: prefix, name, spec, policy.
    static let subscribe = Script(name: "subscribe", body: header + """
        local name = ARGV[2]
        redis.call('HSET', P .. 'subs', name, ARGV[3])
        redis.call('HSET', P .. 'policy', name, ARGV[4])
        local pending = 0
        for rank = 0, 3 do
          local r = redis.pcall('XGROUP', 'CREATE', qkey(rank, name), 'bus', '0', 'MKSTREAM')
          if type(r) == 'table' and r.err and not string.find(r.err, 'BUSYGROUP', 1, true) then return redis.error_reply(r.err) end
          pending = pending + redis.call('XLEN', qkey(rank, name))
        end
        redis.call('INCR', P .. 'subs-version')
        return pending
        """)

    /// Removes a subscription with its streams, lease state and timers. ARGV: prefix, name.
    static let unsubscribe = Script(name: "unsubscribe", body: header + """
        local name = ARGV[2]
        if redis.call('HDEL', P .. 'subs', name) == 0 then return 0 end
        redis.call('HDEL', P .. 'policy', name)
        redis.call('DEL', qkey(0, name), qkey(1, name), qkey(2, name), qkey(3, name), skey(name), tkey(name))
        redis.call('INCR', P .. 'subs-version')
        return 1
        """)

    /// The subscriptions with their pending counts, and the version they were read at.
    /// Returns {version, {name, spec, pending}, …}. ARGV: prefix.
    static let subscriptions = Script(name: "subscriptions", body: header + """
        local out = {redis.call('GET', P .. 'subs-version') or '0'}
        local list = redis.call('HGETALL', P .. 'subs')
        for i = 1, #list, 2 do
          local pending = 0
          for rank = 0, 3 do pending = pending + redis.call('XLEN', qkey(rank, list[i])) end
          out[#out + 1] = {list[i], list[i + 1], pending}
        end
        return out
        """)

    /// Counters (`stats` hash) and the deliveries pending over all subscriptions.
    /// Returns {pending, subscriptions, field, value, …}. ARGV: prefix.
    static let stats = Script(name: "stats", body: header + """
        local pending, subs = 0, 0
        for _, name in ipairs(redis.call('HKEYS', P .. 'subs')) do
          subs = subs + 1
          for rank = 0, 3 do pending = pending + redis.call('XLEN', qkey(rank, name)) end
        end
        local out = {pending, subs}
        for _, v in ipairs(redis.call('HGETALL', P .. 'stats')) do out[#out + 1] = v end
        return out
        """)

    /// Puts dead letters back on their subscriptions as fresh deliveries; skips ids that are gone
    /// or whose subscription is. ARGV: prefix, dead-letter ids.
    static let reprocess = Script(name: "reprocess", body: header + """
        local count, woke = 0, {}
        for i = 2, #ARGV do
          local entry = redis.call('XRANGE', P .. 'dead', ARGV[i], ARGV[i])[1]
          if entry then
            local f = fields(entry[2])
            if f['sub'] and redis.call('HEXISTS', P .. 'subs', f['sub']) == 1 then
              redis.call('XADD', qkey(f['rank'], f['sub']), '*', 'j', f['j'] or '', 'x', f['x'] or '', 't', f['t'] or '', 'b', f['b'] or '')
              redis.call('XDEL', P .. 'dead', ARGV[i])
              count = count + 1
              woke[f['sub']] = true
            end
          end
        end
        for name in pairs(woke) do redis.call('PUBLISH', P .. 'wake', name) end
        return count
        """)

    /// Queues journaled events for subscriptions (replay); skips subscriptions that are gone.
    /// ARGV: prefix, then (subscription, rank, journal id, expiry, type, body) per delivery.
    static let enqueue = Script(name: "enqueue", body: header + """
        local count, woke = 0, {}
        for i = 2, #ARGV, 6 do
          local name = ARGV[i]
          if redis.call('HEXISTS', P .. 'subs', name) == 1 then
            redis.call('XADD', qkey(ARGV[i + 1], name), '*', 'j', ARGV[i + 2], 'x', ARGV[i + 3], 't', ARGV[i + 4], 'b', ARGV[i + 5])
            count = count + 1
            woke[name] = true
          end
        end
        for name in pairs(woke) do redis.call('PUBLISH', P .. 'wake', name) end
        return count
        """)

    /// Trims the journal to entries journaled at or after ARGV[2] (ms; approximate, `MINID ~`).
    static let trim = Script(name: "trim", body: header + """
        return redis.call('XTRIM', P .. 'events', 'MINID', '~', ARGV[2])
        """)

    static let all: [Script] = [publish, lease, ack, nack, release, releaseOwner, subscribe, unsubscribe, subscriptions, stats, reprocess, enqueue, trim]
}
