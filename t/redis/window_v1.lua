-- window_v1.lua -- lib/window.lua as zombie-milter 0.x shipped it before
-- the window heads and generation counts (commit eb008b3): a test
-- fixture only.  t/redis/window_lua.py writes keys with it, then goes on
-- with lib/window.lua, to show that an upgraded milter reads the keys an
-- earlier one left without losing a count.
--
-- KEYS[1] the rate key.  ARGV: messages, recipients (negative: take back),
-- the time of the add to take back (0: now, from TIME), the key's TTL,
-- the number of windows, then per window its bucket width and bucket
-- count.  Returns the time used and, per window, the messages and
-- recipients counted.  Fields of buckets that slid out are overwritten
-- when their ring slot comes round; the TTL drops the key of a host gone
-- quiet.
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
-- first.  Minutes are kept modulo 4096 and a count
-- as count * 4096 + minute, small integers that Redis packs in 2 or 3
-- bytes: about 16 bytes a field.  Windows are at most a day (1440
-- minutes), so a minute is never ambiguous while the host keeps sending;
-- a key idle for long enough that one could be (told by its TTL, which
-- every call sets) has every observation dropped.  Fields past their
-- window are deleted as they are read.  A new field needs a message
-- (a body, recipients).  The reply then ends with the distinct sender
-- and recipient domains in the window, the body's recipients (0 if there
-- is no body field), the refusals and the distinct values.

local now = tonumber(ARGV[3])
if now == 0 then now = tonumber(redis.call('TIME')[1]) end
local dm, dr = tonumber(ARGV[1]), tonumber(ARGV[2])
local nw = tonumber(ARGV[5])
local base = 6 + 2 * nw
local obs = #ARGV >= base + 6
local raw = redis.call('HGETALL', KEYS[1])
local h, set = {}, {}
for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
-- This message's bucket in each window.
local slot, nb, sm, sr = {}, {}, {}, {}
for w = 0, nw - 1 do
  local n = tonumber(ARGV[7 + 2 * w])
  local s = math.floor(now / tonumber(ARGV[6 + 2 * w]))
  slot[w], nb[w], sm[w], sr[w] = s, n, 0, 0
  local f = string.char(97 + w) .. (s % n)
  local bs, m, r = string.match(h[f] or '', '^(%d+):(%d+):(%d+)$')
  bs = tonumber(bs)
  if bs ~= s then m, r = 0, 0 end
  if dm > 0 or dr > 0 or (bs == s and (dm ~= 0 or dr ~= 0)) then
    h[f] = s .. ':' .. math.max(0, m + dm) .. ':' .. math.max(0, r + dr)
    set[#set + 1] = f
    set[#set + 1] = h[f]
  end
end
-- One pass over the fields: sum the windows' live buckets, drop the
-- observations past their window.
local M, nowm, bw, kw, n, del, stale
if obs then
  M = 4096
  nowm = math.floor(now / 60) % M
  bw, kw = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
  n, del = { F = 0, R = 0, B = 0, D = 0, Z = 0 }, {}
end
for f, v in pairs(h) do
  local c = string.byte(f)
  if c >= 97 and c < 97 + nw then
    local w = c - 97
    local bs, m, r = string.match(v, '^(%d+):(%d+):(%d+)$')
    bs = tonumber(bs)
    if bs and bs <= slot[w] and slot[w] - bs < nb[w] then
      sm[w], sr[w] = sm[w] + m, sr[w] + r
    end
  elseif obs and n[string.char(c)] then
    local k = string.char(c)
    if stale == nil then
      stale = tonumber(ARGV[4]) - redis.call('TTL', KEYS[1]) >
        (M - 1440) * 60
    end
    local t = tonumber(string.match(v, '^%d+'))
    if t == nil or stale or
      (nowm - t % M) % M * 60 >= (k == 'B' and kw or bw) then
      del[#del + 1] = f
      h[f] = nil
    else
      n[k] = n[k] + 1
    end
  end
end
local out = { now }
for w = 0, nw - 1 do
  out[#out + 1] = sm[w]
  out[#out + 1] = sr[w]
end
if obs then
  local cap = { F = tonumber(ARGV[base + 2]),
    R = tonumber(ARGV[base + 3]), B = tonumber(ARGV[base + 4]),
    D = tonumber(ARGV[base + 5]) }
  local body = 0
  if #del > 0 then redis.call('HDEL', KEYS[1], unpack(del)) end
  local z = tonumber(h['Z']) or nowm
  if ARGV[base + 6] == '1' then
    z = z + M
    set[#set + 1] = 'Z'
    set[#set + 1] = z
  end
  for i = base + 7, #ARGV do
    local f, label = string.match(ARGV[i], '^([^=]*)=?(.*)$')
    local k = string.sub(f, 1, 1)
    if h[f] == nil and n[k] and n[k] < cap[k] and
      (k == 'B' and dr or dm) > 0 then
      n[k] = n[k] + 1
      h[f] = nowm
    end
    if h[f] ~= nil and k == 'B' then
      local v = tonumber(h[f])
      body = math.max(0, math.floor(v / M) + dr)
      h[f] = body * M + v % M
    elseif h[f] ~= nil then
      h[f] = label ~= '' and nowm .. ' ' .. label or nowm
    end
    if h[f] ~= nil then
      set[#set + 1] = f
      set[#set + 1] = h[f]
    end
  end
  out[#out + 1] = n.F
  out[#out + 1] = n.R
  out[#out + 1] = body
  out[#out + 1] = math.floor(z / M)
  out[#out + 1] = n.D
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return out
