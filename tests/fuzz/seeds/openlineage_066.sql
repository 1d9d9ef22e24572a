
            DELETE FROM public."Employees";
            INSERT INTO public."Employees" VALUES (1, 'TALES OF SHIVA', 'Mark', 'mark', 0);
        