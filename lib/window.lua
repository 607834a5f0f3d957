-- window.lua -- the rate key's script: sliding windows and observations.
--
-- Loaded by lib/store_redis.c (SCRIPT LOAD, then EVALSHA; EVAL when Redis
-- answers NOSCRIPT), embedded into the binary at build time from this
-- file (lib/window_lua.h, made by the Makefile).  One call touches one
-- key, KEYS[1]; t/redis/window_lua.t runs this file in a real Redis
-- against a reference model of the windows and the observations.
--
-- KEYS[1] the rate key.  ARGV: messages, recipients (negative: take back),
-- the time of the add to take back (0: now, from TIME), the key's TTL,
-- the number of windows, then per window its bucket width and bucket
-- count.  Returns the time used and, per window, the messages and
-- recipients counted.
--
-- What a call costs does not grow with what the key holds: it reads the
-- fields it needs by name (HMGET), never the whole hash but in the two
-- cases below.  Window "a" (the first; "b" the second...) keeps its head
-- in field "a":
--   slot:msgs:rcpts[:bucket_msgs:bucket_rcpts]
-- the window's counts as of bucket slot (time / bucket width), and the
-- counts of that bucket when they are not the whole window.  When the
-- head moves on to a new bucket it archives its own in the ring
-- "a0".."a<n-1>" ("slot:msgs:rcpts", index slot modulo n) and sums the
-- ring afresh: n fields, once per bucket.  A ring bucket of the head's
-- slot (a milter of an earlier version, which counted in the ring only,
-- added to it meanwhile) is merged into the archived one.
--
-- An observation of the subject (store_observation) may follow: the
-- behaviour window, the bulk window, the caps of sender domains,
-- recipient domains, bodies and distinct values kept, 1 to count a
-- refusal (or 0), then fields to record: "F<hash>" and "R<hash>" (a
-- sender or recipient domain, 6 hex digits of its hash) hold the minute
-- last seen; "D<hash>" (the subject's distinct value: a host's login, a
-- prefix's host, a login's network) too, followed by a space and its
-- label when the argument is "D<hash>=label"; "B<hash>" (a body, the
-- fingerprint's first 6 hex digits) holds its recipients and the minute
-- it was first seen, and adds this message's recipients (a negative
-- delta takes them back); "Z" holds the refusals and the minute of the
-- first.  Minutes are kept modulo 4096 and a count as count * 4096 +
-- minute: small integers that Redis packs in 2 or 3 bytes.  A new field
-- needs a message (a body, recipients).  The reply then ends with the
-- distinct sender and recipient domains in the window, the body's
-- recipients (0 if there is no body field), the refusals and the
-- distinct values.
--
-- Distinct domains and values are counted in generations of half the
-- behaviour window (in whole minutes, at least one): one counts while it
-- was last seen in this generation or the one before, so a count covers
-- at least the last half window and at most the whole of it.  Field "o"
-- holds the generation (modulo 4096) and its counts of sender domains,
-- recipient domains and distinct values, then those of the generation
-- before when any is not 0: "gen:F:R:D[:F:R:D]".  New bodies are counted
-- so too, in generations of half the bulk window, in field "q":
-- "gen:B[:B]"; the caps hold for two generations, so at most twice a
-- cap is kept.  When a generation ends with values in it, the fields
-- that left the counts are swept: each call then takes one step of HSCAN
-- (its cursor in field "x"; "+" after it: one more pass to make) over a
-- few buckets of the hash, deleting what is past its window, until the
-- pass is done.
--
-- A new key (EXISTS says so) gets no "o" or "q": its first message's
-- fields are all there is, and the second reads them whole (HGETALL) to
-- count them, as a call reads once a key an earlier version wrote (no
-- head), or a key that gained a window; either carries on in this form.
-- Bytes that are not what this script writes (a garbage head, a number
-- of more than 15 digits) count as absent.

local key = KEYS[1]
local M = 4096
local floor, max = math.floor, math.max
local match, format, find, sub, char = string.match, string.format,
  string.find, string.sub, string.char
local now = tonumber(ARGV[3])
if now == 0 then now = tonumber(redis.call('TIME')[1]) end
local dm, dr = tonumber(ARGV[1]), tonumber(ARGV[2])
local back = dm < 0 or dr < 0
local write = dm ~= 0 or dr ~= 0
local nw = tonumber(ARGV[5])
local base = 6 + 2 * nw
local obs = #ARGV >= base + 6
local set, del = {}, {}

local function put(f, v)
  set[#set + 1] = f
  set[#set + 1] = v
end

-- A run of digits as a number; nil if there is none or it is too long to
-- be one of ours.
local function num(d)
  if d and #d > 0 and #d <= 15 then return tonumber(d) end
  return nil
end

-- A field holding a whole number (a body, refusals).
local function int(v)
  return num(match(v or '', '^(%d+)$'))
end

-- A ring bucket "slot:msgs:rcpts" as three numbers; nil if not so.
local function bucket(v)
  local s, m, r = match(v or '', '^(%d+):(%d+):(%d+)$')
  s, m, r = num(s), num(m), num(r)
  if s and m and r then return s, m, r end
  return nil
end

-- A head as slot, bucket msgs and rcpts, earlier msgs and rcpts; nil if
-- it is not one.
local function head(v)
  local s, m, r, bm, br = match(v or '', '^(%d+):(%d+):(%d+):?(%d*):?(%d*)$')
  s, m, r = num(s), num(m), num(r)
  if not (s and m and r) then return nil end
  if bm == '' and br == '' then return s, m, r, 0, 0 end
  bm, br = num(bm), num(br)
  if not (bm and br) then return nil end
  return s, bm, br, max(0, m - bm), max(0, r - br)
end

local function head_text(s, m, r, pm, pr)
  if pm == 0 and pr == 0 then return format('%d:%d:%d', s, m, r) end
  return format('%d:%d:%d:%d:%d', s, m + pm, r + pr, m, r)
end

-- The fields read by name: the heads, then the observation's.
local names, label = {}, {}
for w = 1, nw do names[w] = char(96 + w) end
if obs then
  names[nw + 1], names[nw + 2], names[nw + 3], names[nw + 4] = 'o', 'q', 'Z', 'x'
  for i = base + 7, #ARGV do
    local f, e = ARGV[i], find(ARGV[i], '=', 2, true)
    if e then
      f = sub(ARGV[i], 1, e - 1)
      label[f] = sub(ARGV[i], e + 1)
    end
    names[#names + 1] = f
  end
end
local h = {}
local got = redis.call('HMGET', key, unpack(names))
for i = 1, #names do
  if got[i] then h[names[i]] = got[i] end
end

-- The clocks of the observations: the minute (modulo M), and the
-- generations of domains and values (g) and of bodies (gb).
local nowmin, nowm, bw, kw, Lm, Lb, g, gb
if obs then
  bw, kw = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
  nowmin = floor(now / 60)
  nowm = nowmin % M
  Lm, Lb = max(1, floor(bw / 120)), max(1, floor(kw / 120))
  g, gb = floor(nowmin / Lm), floor(nowmin / Lb)
end

-- How many minutes ago minute t (modulo M) was; 0 if it is ahead of now
-- (a take-back names the time of its add).
local function age(t)
  local a = (nowm - t % M) % M
  return a < M / 2 and a or 0
end

-- The generation of a domain's or value's field ("minute[ label]"); nil
-- if it holds none.
local function gen_of(v)
  local t = num(match(v, '^(%d+)'))
  return t and floor((nowmin - age(t)) / Lm)
end

-- Is field f, holding v, past its window?  Fields of other kinds are not.
local function stale(f, v)
  local k = sub(f, 1, 1)
  if #f == 7 and (k == 'F' or k == 'R' or k == 'D') then
    local fg = gen_of(v)
    return fg == nil or fg < g - 1
  elseif #f == 7 and k == 'B' then
    local b = int(v)
    return b == nil or age(b) * 60 >= kw
  elseif f == 'Z' then
    local z = int(v)
    return z == nil or age(z) * 60 >= bw
  end
  return false
end

-- This generation's counts and the one before's, by kind.
local cur, prev = { F = 0, R = 0, D = 0, B = 0 }, { F = 0, R = 0, D = 0, B = 0 }

-- Counter field v ("gen:c..[:p..]", kinds ks; pattern pat matches it,
-- the generation before as empty captures when it is not there), moved
-- on to generation now_g, into cur and prev; returns how many left the
-- counts.
local function counts(v, pat, ks, now_g)
  local x = { match(v, pat) }
  if #x == 0 then return 0 end
  local n, d, gone = #ks, (now_g - (num(x[1]) or now_g)) % M, 0
  for i = 1, n do
    local k = ks[i]
    cur[k], prev[k] = num(x[1 + i]) or 0, num(x[1 + n + i]) or 0
    if back or d == 0 then
      -- a take-back's time may be behind the counts: leave them be
    elseif d == 1 then
      gone, prev[k], cur[k] = gone + prev[k], cur[k], 0
    else
      gone, prev[k], cur[k] = gone + prev[k] + cur[k], 0, 0
    end
  end
  return gone
end

local OKINDS, QKINDS = { 'F', 'R', 'D' }, { 'B' }
local OPAT = '^(%d+):(%d+):(%d+):(%d+):?(%d*):?(%d*):?(%d*)$'
local QPAT = '^(%d+):(%d+):?(%d*)$'

-- Read the key whole, once: heads from its ring, counts from its fields.
local function migrate()
  local raw = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #raw, 2 do t[raw[i]] = raw[i + 1] end
  for w = 0, nw - 1 do
    local L = char(97 + w)
    if h[L] == nil then
      local nb = tonumber(ARGV[7 + 2 * w])
      local s = floor(now / tonumber(ARGV[6 + 2 * w]))
      local m, r, pm, pr = 0, 0, 0, 0
      for i = 0, nb - 1 do
        local y, ym, yr = bucket(t[L .. i])
        if y == s then
          m, r = ym, yr
          del[#del + 1] = L .. i
        elseif y and y < s and s - y < nb then
          pm, pr = pm + ym, pr + yr
        end
      end
      h[L] = head_text(s, m, r, pm, pr)
      put(L, h[L])
    end
  end
  if obs and (h.o == nil or h.q == nil) then
    for f, v in pairs(t) do
      local k = sub(f, 1, 1)
      if stale(f, v) then
        del[#del + 1] = f
      elseif #f == 7 and k == 'B' then
        if floor((nowmin - age(int(v))) / Lb) == gb then
          cur.B = cur.B + 1
        else
          prev.B = prev.B + 1
        end
      elseif #f == 7 and cur[k] then
        if gen_of(v) == g then cur[k] = cur[k] + 1 else prev[k] = prev[k] + 1 end
      end
    end
    h.o, h.q = '', ''
  end
end

-- A key without heads is new, or of an earlier version; one with heads
-- but no "o" has seen a single message (or none with an observation).
local new, headless = false, false
for w = 1, nw do
  if h[names[w]] == nil then headless = true end
end
if headless and redis.call('EXISTS', key) == 0 then
  new = true
elseif headless or (obs and (h.o == nil or h.q == nil)) then
  migrate()
end

-- The windows.
local out = { now }
for w = 0, nw - 1 do
  local L = char(97 + w)
  local nb = tonumber(ARGV[7 + 2 * w])
  local s = floor(now / tonumber(ARGV[6 + 2 * w]))
  local P, m, r, pm, pr = head(h[L])
  if back then
    -- Take back from the bucket of the add, if it is still counted.
    if P == s then
      m, r = max(0, m + dm), max(0, r + dr)
    elseif P and P > s and P - s < nb then
      local f = L .. (s % nb)
      local y, ym, yr = bucket(redis.call('HGET', key, f))
      if y == s then
        local km, kr = max(0, ym + dm), max(0, yr + dr)
        pm, pr = max(0, pm - ym + km), max(0, pr - yr + kr)
        put(f, format('%d:%d:%d', s, km, kr))
      end
    end
  elseif P == nil and h[L] == nil then
    P, m, r, pm, pr = s, 0, 0, 0, 0
  elseif P == nil or s > P or P - s >= nb then
    -- The head moves on (or was ahead by a window: Redis's clock stepped
    -- back, or the windows changed; or is not one): archive its bucket if
    -- it is still in the window, and sum the ring afresh.
    local f = {}
    for i = 0, nb - 1 do f[i + 1] = L .. i end
    local ring = redis.call('HMGET', key, unpack(f))
    if P and s > P and s - P < nb then
      local i = P % nb + 1
      local y, ym, yr = bucket(ring[i] or nil)
      if y == P then m, r = m + ym, r + yr end
      ring[i] = format('%d:%d:%d', P, m, r)
      if write and (m ~= 0 or r ~= 0) then put(f[i], ring[i]) end
    end
    pm, pr = 0, 0
    for i = 1, nb do
      local y, ym, yr = bucket(ring[i] or nil)
      if y and y < s and s - y < nb then pm, pr = pm + ym, pr + yr end
    end
    P, m, r = s, 0, 0
  end
  -- (0 < P - s < nb on an add: Redis's clock stepped back a little; the
  -- head counts it.)
  if not back and write then
    m, r = max(0, m + dm), max(0, r + dr)
  end
  if P and write then put(L, head_text(P, m, r, pm, pr)) end
  out[#out + 1] = P and m + pm or 0
  out[#out + 1] = P and r + pr or 0
end

if obs then
  local cap = { F = tonumber(ARGV[base + 2]), R = tonumber(ARGV[base + 3]),
    B = tonumber(ARGV[base + 4]), D = tonumber(ARGV[base + 5]) }
  local added, body, sweep = 0, 0, h.x
  -- The counts, moved on to this generation: those that left the counts
  -- start a sweep.
  local gone = 0
  if h.o ~= '' then gone = counts(h.o or '', OPAT, OKINDS, g) end
  if h.q ~= '' then gone = gone + counts(h.q or '', QPAT, QKINDS, gb) end
  if sweep and not match(sweep, '^%d+%+?$') then sweep = nil end
  if gone > 0 then
    sweep = sweep and match(sweep, '^%d+') .. '+' or '0'
  end
  -- Refusals.
  local z = int(h.Z)
  if h.Z and (z == nil or stale('Z', h.Z)) then
    del[#del + 1] = 'Z'
    z = nil
  end
  if ARGV[base + 6] == '1' then
    z = (z or nowm) + M
    put('Z', z)
  end
  -- This message's fields.
  for i = nw + 5, #names do
    local f = names[i]
    local k, v = sub(f, 1, 1), h[f]
    local nv
    if k == 'B' then
      local b = int(v)
      if b and not stale(f, v) then
        body = max(0, floor(b / M) + dr)
        nv = body * M + b % M
      elseif dr > 0 and cur.B + prev.B < cap.B then
        cur.B, added = cur.B + 1, added + 1
        body = dr
        nv = body * M + nowm
      end
      if nv == b then nv = nil end
    elseif cur[k] then
      local fg = v and gen_of(v)
      if fg == g - 1 then
        prev[k], cur[k] = max(0, prev[k] - 1), cur[k] + 1
      elseif fg ~= g and dm > 0 and cur[k] + prev[k] < cap[k] then
        cur[k], added = cur[k] + 1, added + 1
        fg = g
      end
      if fg == g or fg == g - 1 then
        nv = (label[f] or '') ~= '' and format('%d %s', nowm, label[f]) or
          format('%d', nowm)
        if nv == v then nv = nil end
      end
    end
    if nv then
      put(f, nv)
      h[f] = nv
    end
  end
  -- The counts, written back when they changed (a take-back changes
  -- none).
  if not new and not back then
    local o = format('%d:%d:%d:%d', g % M, cur.F, cur.R, cur.D)
    if prev.F + prev.R + prev.D > 0 then
      o = format('%s:%d:%d:%d', o, prev.F, prev.R, prev.D)
    end
    local q = format('%d:%d', gb % M, cur.B)
    if prev.B > 0 then q = format('%s:%d', q, prev.B) end
    if o ~= h.o then put('o', o) end
    if q ~= h.q then put('q', q) end
  end
  -- A step of the sweep.
  if sweep and not back then
    local c, again = match(sweep, '^(%d+)(%+?)$')
    local r = redis.pcall('HSCAN', key, c, 'COUNT', 16 + 2 * added)
    if type(r) == 'table' and r.err == nil then
      for i = 1, #r[2], 2 do
        if stale(r[2][i], r[2][i + 1]) then del[#del + 1] = r[2][i] end
      end
      c = r[1]
    else
      c, again = '0', ''	-- a cursor Redis would not take
    end
    if c ~= '0' then
      put('x', c .. again)
    elseif again == '+' then
      put('x', '0')
    else
      del[#del + 1] = 'x'
    end
  end
  out[#out + 1] = cur.F + prev.F
  out[#out + 1] = cur.R + prev.R
  out[#out + 1] = body
  out[#out + 1] = z and floor(z / M) or 0
  out[#out + 1] = cur.D + prev.D
end
if #del > 0 then redis.call('HDEL', key, unpack(del)) end
if #set > 0 then redis.call('HSET', key, unpack(set)) end
redis.call('EXPIRE', key, ARGV[4])
return out
