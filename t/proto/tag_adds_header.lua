-- tag_adds_header: a score between threshold_tag and threshold_tempfail
-- adds "X-Zombie-Score: SCORE REASONS" and the message is delivered (and
-- counted: the next one is tagged with a higher count).
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local function tagged(conn, o, want)
		o.tagged = true
		zm.accepted(conn, o)
		local got = mt.getheader(conn, "X-Zombie-Score", 0)
		if not mt.eom_check(conn, MT_HDRADD, "X-Zombie-Score") then
			if mt.eom_check(conn, MT_HDRINSERT, "X-Zombie-Score") then
				zm.fail(o.label, "X-Zombie-Score was inserted (SMFIR_INSHEADER, value '" ..
				        tostring(got) .. "'), expected it added (SMFIR_ADDHEADER)")
			end
			zm.fail(o.label, "no X-Zombie-Score header added")
		end
		if not mt.eom_check(conn, MT_HDRADD, "X-Zombie-Score", want) then
			zm.fail(o.label, "X-Zombie-Score value '" .. tostring(got) ..
			        "', expected '" .. want .. "'")
		end
		if mt.eom_check(conn, MT_SMTPREPLY, "550") or mt.eom_check(conn, MT_SMTPREPLY, "451") then
			zm.fail(o.label, "an SMTP reply was set for a tagged message")
		end
		mt.echo(o.label .. ": X-Zombie-Score: " .. got)
	end

	local conn = zm.connect("192.0.2.110")
	zm.accepted(conn, { qid = "G1", rcpts = 2, label = "G1 (count 2, no tag)" })
	tagged(conn, { qid = "G2", rcpts = 2, label = "G2 (count 4 > 3)" }, "30 rcpts1m=4/3(+30)")
	tagged(conn, { qid = "G3", rcpts = 1, label = "G3 (count 5 > 3)" }, "30 rcpts1m=5/3(+30)")
	zm.close(conn)

	conn = zm.connect("192.0.2.111")
	zm.accepted(conn, { qid = "G4", rcpts = 1, label = "G4 (other host, no tag)" })
	zm.close(conn)

	mt.echo("tag_adds_header: ok")
end)
