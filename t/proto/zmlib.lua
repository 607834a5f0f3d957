-- zmlib.lua -- helpers shared by the t/proto/*.lua miltertest scripts.
--
-- Load with:  zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
-- The .t wrapper exports ZM_PORT (the milter's TCP port on 127.0.0.1) and
-- ZM_PROTO_DIR.  Every helper raises error() with the step that went
-- wrong, so miltertest exits non-zero with a clear message.

local zm = {}

-- The miltertest in Debian 12 exits 1 on a Lua error but prints nothing,
-- so every script runs its body as zm.run(function() ... end), which
-- prints the error (with a traceback) to stderr before failing.
function zm.run(body)
	local done, err = xpcall(body, function(e)
		return debug.traceback(tostring(e), 2)
	end)
	if not done then
		io.stderr:write("FAIL: " .. tostring(err) .. "\n")
		io.stderr:flush()
		error(err, 0)
	end
end

zm.port = os.getenv("ZM_PORT")
if zm.port == nil or zm.port == "" then
	io.stderr:write("FAIL: ZM_PORT is not set (run this script from its .t wrapper)\n")
	error("ZM_PORT is not set (run this script from its .t wrapper)")
end
zm.sock = "inet:" .. zm.port .. "@127.0.0.1"

-- SMFIC_BODYEOB ('E'): macros sent just before end-of-message.
zm.SMFIC_EOM = string.byte("E")

local rnames = {}
for _, n in ipairs({ "SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_REJECT",
                     "SMFIR_TEMPFAIL", "SMFIR_DISCARD", "SMFIR_REPLYCODE" }) do
	if _G[n] ~= nil then
		rnames[math.tointeger(_G[n]) or _G[n]] = n
	end
end

-- printable name of a milter reply code (a number from mt.getreply)
function zm.rname(r)
	if r == nil then return "nil" end
	local i = math.tointeger(r) or r
	if rnames[i] then return rnames[i] end
	if i == 0 then return "none (NUL)" end
	return string.format("'%s' (%d)", string.char(i), i)
end

-- raise an error naming the step
function zm.fail(step, msg)
	error(step .. ": " .. msg, 0)
end

-- a milter call returning nil on success or an error string
function zm.call(step, err)
	if err ~= nil then zm.fail(step, "failed: " .. tostring(err)) end
end

function zm.expect(step, got, ...)
	for _, w in ipairs({ ... }) do
		if got == w then return got end
	end
	local want = {}
	for _, w in ipairs({ ... }) do want[#want + 1] = zm.rname(w) end
	zm.fail(step, "reply " .. zm.rname(got) .. ", expected " ..
	        table.concat(want, " or "))
end

-- open a milter connection and send the connection info.
-- ip: "192.0.2.1", "2001:db8::1", "unspec" (unknown family, no address).
-- Returns conn and the connect reply.
function zm.open(ip, host, label)
	label = label or ("connect " .. tostring(ip))
	local conn = mt.connect(zm.sock, 40, 0.05)
	if conn == nil then zm.fail(label, "mt.connect(" .. zm.sock .. ") failed") end
	-- negotiate explicitly so miltertest knows which steps/replies the
	-- milter negotiated away (SMFIP_NOHELO, SMFIP_NR_RCPT, ...)
	zm.call(label .. ": negotiate", mt.negotiate(conn, nil, nil, nil))
	zm.call(label .. ": conninfo", mt.conninfo(conn, host or "client.example.net", ip))
	return conn, mt.getreply(conn)
end

-- open and require CONTINUE at connect (a counted, non-exempt client)
function zm.connect(ip, host, label)
	label = label or ("connect " .. tostring(ip))
	local conn, r = zm.open(ip, host, label)
	zm.expect(label, r, SMFIR_CONTINUE)
	-- HELO now, as an MTA does: miltertest would otherwise send it
	-- itself before the first MAIL FROM, after our MAIL macros, and
	-- libmilter clears a later stage's macros when HELO comes
	zm.call(label .. ": HELO", mt.helo(conn, "client.example.net"))
	return conn
end

-- One message.  o = {
--   qid = "i" macro at MAIL, eomqid = "i" macro at EOM,
--   login = "{auth_authen}" at MAIL, from = envelope sender,
--   rcpts = number of recipients (default 1), label = text for errors,
--   nomacros = true: send no MAIL macros at all }
-- Returns stage ("mail" or "eom") and the reply at that stage.  A MAIL
-- reply other than CONTINUE ends the message there (as an MTA would).
function zm.message(conn, o)
	o = o or {}
	local label = o.label or ("message " .. tostring(o.qid or o.eomqid or "NOQUEUE"))
	-- a real MTA sends the whole MAIL macro set with every MAIL FROM; it
	-- replaces the previous set, so no "i" of an earlier message lingers
	local mac = { "{mail_addr}", "sender@example.org" }
	if o.qid ~= nil then mac[#mac + 1] = "i"; mac[#mac + 1] = o.qid end
	if o.login ~= nil then
		mac[#mac + 1] = "{auth_authen}"; mac[#mac + 1] = o.login
	end
	if not o.nomacros then
		zm.call(label .. ": MAIL macros", mt.macro(conn, SMFIC_MAIL, table.unpack(mac)))
	end
	zm.call(label .. ": MAIL FROM", mt.mailfrom(conn, o.from or "<sender@example.org>"))
	local r = mt.getreply(conn)
	if r ~= SMFIR_CONTINUE then return "mail", r end
	local n = o.rcpts or 1
	for i = 1, n do
		zm.call(label .. ": RCPT TO #" .. i,
		        mt.rcptto(conn, "<rcpt" .. i .. "@example.com>"))
		r = mt.getreply(conn)
		if r ~= SMFIR_CONTINUE then
			zm.fail(label .. ": RCPT TO #" .. i,
			        "reply " .. zm.rname(r) .. ", expected SMFIR_CONTINUE or none")
		end
	end
	if o.eomqid ~= nil then
		zm.call(label .. ": EOM macros", mt.macro(conn, zm.SMFIC_EOM, "i", o.eomqid))
	end
	zm.call(label .. ": EOM", mt.eom(conn))
	return "eom", mt.getreply(conn)
end

-- a message that must be accepted: MAIL continues, EOM accept/continue
-- with no SMTP reply and (unless o.tagged) no header added.
function zm.accepted(conn, o)
	o = o or {}
	local label = o.label or ("message " .. tostring(o.qid or o.eomqid or "NOQUEUE"))
	o.label = label
	local stage, r = zm.message(conn, o)
	if stage ~= "eom" then
		zm.fail(label, "refused at MAIL FROM with " .. zm.rname(r) .. ", expected acceptance")
	end
	zm.expect(label .. ": EOM", r, SMFIR_ACCEPT, SMFIR_CONTINUE)
	if not o.tagged and mt.eom_check(conn, MT_HDRADD) then
		zm.fail(label, "a header was added, expected none")
	end
	return r
end

-- a message that must be refused at EOM with exactly "CODE XCODE TEXT"
-- (TEXT may be a list of acceptable texts).
function zm.refused_eom(conn, o, code, xcode, text)
	o = o or {}
	local label = o.label or ("message " .. tostring(o.qid or o.eomqid or "NOQUEUE"))
	o.label = label
	local stage, r = zm.message(conn, o)
	if stage ~= "eom" then
		zm.fail(label, "refused at MAIL FROM with " .. zm.rname(r) ..
		        ", expected a refusal at end of message")
	end
	zm.expect(label .. ": EOM", r, SMFIR_REPLYCODE)
	local texts = type(text) == "table" and text or { text }
	for _, t in ipairs(texts) do
		if mt.eom_check(conn, MT_SMTPREPLY, code, xcode, t) then return t end
	end
	-- miltertest compares the whole reply and cannot show the one sent
	zm.fail(label, "SMFIR_REPLYCODE, but not '" .. code .. " " .. xcode .. " " ..
	        table.concat(texts, "' nor '") .. "' (miltertest cannot show the reply sent)")
end

-- a message that must be refused at MAIL FROM (SMFIR_REPLYCODE; the text
-- of a MAIL-stage reply is not visible to miltertest)
function zm.refused_mail(conn, o)
	o = o or {}
	local label = o.label or ("message " .. tostring(o.qid or "NOQUEUE"))
	o.label = label
	local stage, r = zm.message(conn, o)
	if stage ~= "mail" then
		zm.fail(label, "MAIL FROM was not refused (end of message reply " ..
		        zm.rname(r) .. ")")
	end
	zm.expect(label .. ": MAIL FROM", r, SMFIR_REPLYCODE)
	return r
end

function zm.close(conn)
	mt.disconnect(conn)
end

return zm
