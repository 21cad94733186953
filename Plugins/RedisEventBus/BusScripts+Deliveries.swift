extension BusScripts {
    /// Leases up to `max` deliveries of one subscription, highest priority first, then oldest
    /// first: for each rank from 3 down to 0, the due entries of `timers` (expired leases and
    /// retries whose backoff passed; XCLAIMed to this consumer), then new entries (XREADGROUP `>`).
    /// An expired lease counts as a failed attempt (dead letter when attempts are used up); an
    /// expired event (TTL) is dropped. Returns the deliveries and the ms until the next timer.
    ///
    /// ARGV: prefix, subscription, consumer, owner, max, lease_ms.
    static let lease = Script(name: "lease", body: header + """
        local name, consumer, owner = ARGV[2], ARGV[3], ARGV[4]
        local max, leaseMs = tonumber(ARGV[5]), tonumber(ARGV[6])
        local maxAttempts = policy(name)
        if not maxAttempts then return {'nosub'} end
        local now = now_ms()
        local sk, tk = skey(name), tkey(name)
        local out = {}
        local c = {delivered = 0, expired = 0, retried = 0, dead_lettered = 0}
        local function grant(rank, sid, attempt, err, body)
          local tok = string.format('%x', redis.call('INCR', P .. 'lease-seq'))
          redis.call('HSET', sk, rank .. '/' .. sid, attempt .. '|' .. tok .. '|' .. owner .. '|' .. err)
          redis.call('ZADD', tk, num(now + leaseMs), rank .. '/' .. sid)
          out[#out + 1] = {rank .. '-' .. sid .. ':' .. tok, attempt, body}
        end
        local function expired(f) return f['x'] ~= nil and f['x'] ~= '' and tonumber(f['x']) <= now end
        local function older(a, b)
          local am, as = string.match(a, '^(%d+)-(%d+)$')
          local bm, bs = string.match(b, '^(%d+)-(%d+)$')
          if am ~= bm then return tonumber(am) < tonumber(bm) end
          return tonumber(as) < tonumber(bs)
        end
        local due = {{}, {}, {}, {}}
        for _, m in ipairs(redis.call('ZRANGEBYSCORE', tk, '-inf', num(now), 'LIMIT', 0, 1000)) do
          local r, sid = string.match(m, '^(%d)/(.+)$')
          if r and due[tonumber(r) + 1] then table.insert(due[tonumber(r) + 1], sid) else redis.call('ZREM', tk, m) end
        end
        for rank = 3, 0, -1 do
          local q = qkey(rank, name)
          table.sort(due[rank + 1], older)
          for _, sid in ipairs(due[rank + 1]) do
            if #out >= max then break end
            local member = rank .. '/' .. sid
            local st = redis.call('HGET', sk, member)
            local claimed = st and redis.call('XCLAIM', q, 'bus', consumer, 0, sid) or {}
            local entry = claimed[1]
            if not st or not entry then
              drop(name, rank, sid)
            else
              local f = fields(entry[2])
              local attempt, tok, _, err = parse_state(st)
              if expired(f) then
                drop(name, rank, sid)
                c.expired = c.expired + 1
              else
                local again = true
                if tok ~= '' then
                  c.retried = c.retried + 1
                  if attempt >= maxAttempts then
                    if err == '' then err = 'lease expired without acknowledgement (attempt ' .. attempt .. ')' end
                    dead_letter(name, rank, sid, f, attempt, err, now)
                    c.dead_lettered = c.dead_lettered + 1
                    again = false
                  elseif err == '' then
                    err = 'lease expired without acknowledgement'
                  end
                end
                if again then grant(rank, sid, attempt + 1, err, f['b']) end
              end
            end
          end
          while #out < max do
            local r = redis.call('XREADGROUP', 'GROUP', 'bus', consumer, 'COUNT', max - #out, 'STREAMS', q, '>')
            if not r or not r[1] or #r[1][2] == 0 then break end
            for _, en in ipairs(r[1][2]) do
              local f = fields(en[2])
              if expired(f) then
                drop(name, rank, en[1])
                c.expired = c.expired + 1
              else
                grant(rank, en[1], 1, '', f['b'])
              end
            end
          end
          if #out >= max then break end
        end
        c.delivered = #out
        bump(c)
        local nxt = redis.call('ZRANGE', tk, 0, 0, 'WITHSCORES')
        local delay = -1
        if nxt[2] then delay = math.max(0, tonumber(nxt[2]) - now) end
        return {'ok', out, delay}
        """)

    /// Settles leased deliveries whose token is still current. ARGV: prefix, subscription, then
    /// (rank, entry id, token) per delivery id.
    static let ack = Script(name: "ack", body: header + """
        local name = ARGV[2]
        if not policy(name) then return {'nosub'} end
        local settled = 0
        for i = 3, #ARGV, 3 do
          local rank, sid, tok = ARGV[i], ARGV[i + 1], ARGV[i + 2]
          local st = redis.call('HGET', skey(name), rank .. '/' .. sid)
          if st then
            local _, t = parse_state(st)
            if t ~= '' and t == tok then
              drop(name, rank, sid)
              settled = settled + 1
            end
          end
        end
        bump({acked = settled})
        return {'ok', settled}
        """)

    /// A failed delivery: retry after the subscription's backoff, or dead-letter it.
    /// ARGV: prefix, subscription, rank, entry id, token, error, retry ("1"/"0").
    static let nack = Script(name: "nack", body: header + """
        local name, rank, sid, tok, err, retry = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
        local maxAttempts, delays = policy(name)
        if not maxAttempts then return {'nosub'} end
        local member = rank .. '/' .. sid
        local st = redis.call('HGET', skey(name), member)
        if not st then return {'unknown'} end
        local attempt, t = parse_state(st)
        if t == '' or t ~= tok then return {'unknown'} end
        local now = now_ms()
        if retry == '0' or attempt >= maxAttempts then
          local entry = redis.call('XRANGE', qkey(rank, name), sid, sid)[1]
          dead_letter(name, rank, sid, entry and fields(entry[2]) or {}, attempt, err, now)
          bump({dead_lettered = 1})
          return {'dead'}
        end
        local at = now + (delays[math.min(math.max(attempt, 1), #delays)] or 0)
        redis.call('HSET', skey(name), member, attempt .. '||-|' .. err)
        redis.call('ZADD', tkey(name), num(at), member)
        bump({retried = 1})
        redis.call('PUBLISH', P .. 'wake', name)
        return {'retry', num(at)}
        """)

    /// Gives leases back without counting the attempt: those of an earlier run of this consumer
    /// (mode "stale", at start: that run is gone) or of this instance (mode "mine", at shutdown).
    /// ARGV: prefix, mode, consumer, owner.
    static let release = Script(name: "release", body: header + """
        local mode, consumer, owner = ARGV[2], ARGV[3], ARGV[4]
        local now = now_ms()
        local released = 0
        local mine = consumer .. '/'
        for _, name in ipairs(redis.call('HKEYS', P .. 'policy')) do
          local list = redis.call('HGETALL', skey(name))
          local woke = false
          for i = 1, #list, 2 do
            local attempt, tok, o, err = parse_state(list[i + 1])
            local match
            if mode == 'mine' then match = (o == owner) else match = (o ~= owner and string.sub(o, 1, #mine) == mine) end
            if attempt and tok ~= '' and match then
              redis.call('HSET', skey(name), list[i], math.max(attempt - 1, 0) .. '||-|' .. err)
              redis.call('ZADD', tkey(name), num(now), list[i])
              released = released + 1
              woke = true
            end
          end
          if woke then redis.call('PUBLISH', P .. 'wake', name) end
        end
        return released
        """)

    /// Cluster failover (`bus.release_owner`): makes every delivery leased by `owner` (another
    /// daemon's instance, gone) due now by moving its timer to now, token and owner kept. The
    /// lease script then treats it exactly as an expired lease: XCLAIMed by whoever leases next,
    /// counted as an attempt, dead-lettered when attempts are used up. Idempotent: a delivery
    /// leased again since carries another owner and is not touched; one still due is only made
    /// due again. If the owner was only slow, not gone, its ack still settles until someone
    /// leases the delivery again. Returns how many deliveries were made due.
    /// ARGV: prefix, owner.
    static let releaseOwner = Script(name: "release_owner", body: header + """
        local owner = ARGV[2]
        local now = now_ms()
        local released = 0
        for _, name in ipairs(redis.call('HKEYS', P .. 'policy')) do
          local list = redis.call('HGETALL', skey(name))
          local woke = false
          for i = 1, #list, 2 do
            local attempt, tok, o, err = parse_state(list[i + 1])
            if attempt and tok ~= '' and o == owner then
              if err == '' then
                redis.call('HSET', skey(name), list[i], attempt .. '|' .. tok .. '|' .. o .. '|lease holder ' .. owner .. ' left the cluster')
              end
              redis.call('ZADD', tkey(name), num(now), list[i])
              released = released + 1
              woke = true
            end
          end
          if woke then redis.call('PUBLISH', P .. 'wake', name) end
        end
        return released
        """)
}
