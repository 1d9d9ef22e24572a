select empno, sum(sal) as all_sal
from emp
group by empno